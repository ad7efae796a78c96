// Chinese and English labels with a language switch (remembered in localStorage). Static text is
// marked up with data-i18n (text), data-i18n-placeholder and data-i18n-aria (aria-label);
// dynamic text calls t() and re-renders on onLanguageChange.
import { STRINGS } from './strings.js';

const KEY = 'cloud-hospital.lang';
const listeners = [];
let current = localStorage.getItem(KEY) || ((navigator.language || '').startsWith('zh') ? 'zh' : 'en');

export function lang() { return current; }

export function t(key, vars = {}, fallback) {
  const entry = STRINGS[key];
  let text = entry ? entry[current] || entry.en : (fallback !== undefined ? fallback : key);
  for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, value);
  return text;
}

export function applyLanguage(root = document) {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n, {}, node.textContent);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll('[data-i18n-aria]')) node.setAttribute('aria-label', t(node.dataset.i18nAria));
  const button = document.getElementById('lang-switch');
  if (button) {
    // The button offers the other language, labelled in that language.
    button.textContent = current === 'zh' ? 'English' : '中文';
    button.lang = current === 'zh' ? 'en' : 'zh-CN';
    button.setAttribute('aria-label', current === 'zh' ? 'Switch to English' : '切换到中文');
  }
}

export function setLanguage(next) {
  current = next === 'zh' ? 'zh' : 'en';
  localStorage.setItem(KEY, current);
  applyLanguage();
  for (const fn of listeners) fn(current);
}

export function onLanguageChange(fn) { listeners.push(fn); }

export function initLanguage() {
  applyLanguage();
  const button = document.getElementById('lang-switch');
  if (button) button.addEventListener('click', () => setLanguage(current === 'zh' ? 'en' : 'zh'));
}
