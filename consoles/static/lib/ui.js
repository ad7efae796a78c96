// Small DOM helpers shared by the consoles.
import { t, lang } from './i18n.js';

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

// Tell screen-reader users about a live change (the #live region is aria-live=polite).
export function announce(text) {
  const live = $('live');
  if (live) { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 30); }
}

export function banner(text) {
  const box = $('banner');
  if (!box) return;
  box.hidden = !text;
  box.textContent = text || '';
}

// A time (with the date unless `withDate` is false; with the year when it is not this year's).
export function fmtTime(value, withDate = true) {
  if (!value) return '—';
  const when = new Date(value);
  const locale = lang() === 'zh' ? 'zh-CN' : 'en-GB';
  const options = { hour: '2-digit', minute: '2-digit' };
  if (withDate) Object.assign(options, { month: 'short', day: 'numeric' });
  if (withDate && when.getFullYear() !== new Date().getFullYear()) options.year = 'numeric';
  return when.toLocaleString(locale, options);
}

// A status word (appointment, order, prescription) in the current language, with a CSS hook.
export function statusBadge(status) {
  return el('span', { class: `badge status-${status}`, 'data-status': status }, t(`status_${status}`, {}, status));
}

export function clientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

// Replace a select's options, keeping the chosen one while it is still offered (else the first is chosen).
export function replaceOptions(select, options) {
  const chosen = select.value;
  select.replaceChildren(...options);
  if (options.some((option) => option.value === chosen)) select.value = chosen;
}

// The local date in the institutions' zone (Ningbo: Asia/Shanghai), YYYY-MM-DD.
export function localDate(zone = 'Asia/Shanghai', when = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(when);
}
