// The app-API and FHIR client: bearer token from auth.js, errors as ApiProblem (RFC 9457 problem
// details or a FHIR OperationOutcome), rendered by showProblem so a person sees what went wrong.
import { getToken } from './auth.js';
import { t, lang } from './i18n.js';
import { el } from './ui.js';

export class ApiProblem extends Error {
  constructor(status, body, requestId) {
    const issue = body && body.resourceType === 'OperationOutcome' ? (body.issue || [])[0] || {} : null;
    super((issue ? issue.diagnostics : body.detail || body.title) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = issue ? issue.code : body.code;
    this.title = issue ? 'OperationOutcome' : body.title;
    this.requestId = body.request_id || requestId;
  }
}

// Logging out reloads the page. The console's loaders still running would otherwise report a 401 for the
// token just revoked (or for none) as errors; from the logout on, their calls never settle instead.
let leaving = false;
const never = () => new Promise(() => {});

export function leavePage() {
  leaving = true;
}

// `last`: the logout call itself, which must still be answered while the page is leaving.
export async function api(path, { method = 'GET', body, form, headers = {}, last = false } = {}) {
  if (leaving && !last) return never();
  const sent = { Accept: 'application/json, application/problem+json, application/fhir+json', ...headers };
  const token = getToken();
  if (token) sent.Authorization = `Bearer ${token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { sent['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: payload });
  } catch (err) {
    if (leaving && !last) return never();  // the reload cancels requests in flight
    throw new ApiProblem(0, { title: t('network_error'), detail: String(err.message || err) });
  }
  const text = await response.text();
  if (leaving && !last) return never();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text.slice(0, 300) }; }
  if (!response.ok) throw new ApiProblem(response.status, data || {}, response.headers.get('X-Request-ID'));
  return data;
}

// Every item of an app-API list: its pages are {items, next, total}; follow `next` until the last page.
export async function apiAll(path) {
  const items = [];
  for (let url = path; url; ) {
    const page = await api(url);
    items.push(...page.items);
    url = page.next;
  }
  return items;
}

// For a list reloaded as a filter changes: each call starts a turn and returns a check that is true only while no
// later turn has started, so an earlier, slower answer never overwrites the newer one.
export function newestOnly() {
  let turn = 0;
  return () => {
    const mine = ++turn;
    return () => mine === turn;
  };
}

// Download a protected file (an attachment) with the token, as a blob URL.
export async function blobUrl(path) {
  if (leaving) return never();
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${getToken()}` } });
  } catch (err) {
    if (leaving) return never();  // the logout's reload cancelled the download
    throw new ApiProblem(0, { title: t('network_error'), detail: String(err.message || err) });
  }
  if (leaving) return never();  // a 401 for the token the user just gave up is not an error to show
  if (!response.ok) throw new ApiProblem(response.status, { title: `HTTP ${response.status}` });
  return URL.createObjectURL(await response.blob());
}

// Save a protected file (an attachment, a receipt) under `filename`, as a click on a download link would.
export async function saveFile(path, filename) {
  const link = el('a', { href: await blobUrl(path), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}

function reasonText(reason) {
  return (lang() === 'zh' && reason.message_zh) || reason.message || reason.title || reason.rule_id;
}

// Render an error into `slot`: title, status, detail, field errors, risk reasons and next steps, request id.
export function showProblem(slot, err) {
  const target = typeof slot === 'string' ? document.getElementById(slot) : slot;
  if (!target) return;
  target.replaceChildren();
  if (!err) return;
  const body = err.body || {};
  const box = el('div', { class: 'problem', role: 'alert' },
    el('strong', {}, `${err.title || t('error')}${err.status ? ` (${err.status})` : ''}`),
    el('p', { class: 'detail' }, t(`problem_${err.code}`, {}, err.message || String(err))));
  // a field by its label on the page where there is one (`field_<name>` or the plain key), else its name
  const fieldName = (field) => t(`field_${field}`, {}, t(field, {}, field));
  for (const e of body.errors || []) {
    box.append(el('p', { class: 'field-error' }, e.field ? `${fieldName(e.field)}: ${e.message}` : e.message));
  }
  const reasons = body.reasons || [];
  if (reasons.length) box.append(el('ul', { class: 'reasons' }, ...reasons.map((r) => el('li', {}, reasonText(r)))));
  const steps = body.next_steps || [];
  if (steps.length) {
    box.append(el('p', {}, t('next_steps')),
      el('ul', {}, ...steps.map((s) => el('li', { 'data-step': s }, t(`next_step_${s}`, {}, s)))));
  }
  if (err.requestId) box.append(el('p', { class: 'request-id' }, `${t('request_id')}: ${err.requestId}`));
  target.append(box);
  box.setAttribute('tabindex', '-1');
}

// Run an async action for a button: disable it meanwhile, clear/show errors in `slot`.
export async function guarded(slot, work, button) {
  showProblem(slot, null);
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (err) {
    showProblem(slot, err);
    if (!(err instanceof ApiProblem)) console.error(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export { reasonText };
