// Risk rule-set versions: every published version (newest, in force, first), a copy of one to edit and
// publish as a new version, and two versions compared side by side.
import { api, apiAll, guarded } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el, fmtTime } from './lib/ui.js';
import { fillSelect } from './admin-store.js';
import { diffView } from './admin-rules-diff.js';

const state = { versions: [], compared: null };

export function initRules() {
  $('compare-form').addEventListener('submit', (event) => { event.preventDefault(); compare(); });
  $('publish-form').addEventListener('submit', publish);
  onLanguageChange(() => { render(); if (state.compared) compare(); });
  return loadVersions();
}

function loadVersions() {
  return guarded('rules-error', async () => {
    state.versions = await apiAll('/api/v1/risk/rules/versions?limit=50');
    if (!state.versions.length) state.versions = [await api('/api/v1/risk/rules')]; // the packaged rules
    render();
    if (!$('ruleset-json').value) copyOf(state.versions[0]);
  });
}

const versionOf = (version) => state.versions.find((v) => v.version === version);

function render() {
  const rows = state.versions.map((v, n) => el('tr', { 'data-version': v.version },
    el('td', {}, v.version, n === 0 ? el('span', { class: 'badge status-approved' }, t('in_force')) : null),
    el('td', {}, v.title || ''), el('td', {}, v.published_at ? fmtTime(v.published_at) : t('versions_empty')),
    el('td', {}, (v.rules || []).length),
    el('td', {}, el('button', { type: 'button', 'aria-label': `${t('edit_copy')} ${v.version}`, onclick: () => copyOf(v) },
      t('edit_copy')))));
  $('version-rows').replaceChildren(...rows);
  const options = state.versions.map((v) => [v.version, v.version]);
  fillSelect($('compare-a'), options, $('compare-a').value || (state.versions[1] || state.versions[0]).version);
  fillSelect($('compare-b'), options, $('compare-b').value || state.versions[0].version);
}

// The rule set as it is published (without the server's publication facts), in the editor.
function copyOf(version) {
  const { source, published_at: at, published_by: by, ...document } = version; // eslint-disable-line no-unused-vars
  $('ruleset-json').value = JSON.stringify(document, null, 2);
}

function compare() {
  const older = versionOf($('compare-a').value);
  const newer = versionOf($('compare-b').value);
  if (!older || !newer) return;
  state.compared = [older.version, newer.version];
  $('rule-diff').replaceChildren(diffView(older, newer));
}

function publish(event) {
  event.preventDefault();
  guarded('publish-error', async () => {
    let body;
    try {
      body = JSON.parse($('ruleset-json').value);
    } catch (err) {
      throw Object.assign(new Error(t('not_json', { reason: err.message })), { title: t('error') });
    }
    const published = await api('/api/v1/risk/rules', { method: 'POST', body });
    state.versions = [];
    await loadVersions();
    fillSelect($('compare-b'), state.versions.map((v) => [v.version, v.version]), published.version);
    const done = t('published', { version: published.version });
    $('publish-error').append(el('p', { class: 'ok', role: 'status' }, done));
    announce(done);
  }, event.submitter);
}
