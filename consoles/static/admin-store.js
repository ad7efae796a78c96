// What the admin console's sections share: the institutions (deactivated ones too, so they can be reactivated;
// the choosers of the doctor and schedule sections offer the active ones), told to listeners when they change,
// and small form helpers.
import { apiAll } from './lib/api.js';
import { el } from './lib/ui.js';

const listeners = [];
export const store = { institutions: [] };

export async function loadInstitutions() {
  store.institutions = await apiAll('/api/v1/institutions?limit=200&status=any');
  for (const fn of listeners) fn(store.institutions);
  return store.institutions;
}

export function onInstitutions(fn) { listeners.push(fn); }

export const activeInstitutions = () => store.institutions.filter((i) => i.is_active).map((i) => [i.id, i.name]);

export const institutionName = (id) => (store.institutions.find((i) => i.id === id) || { name: id }).name;

// Refill a <select> with `options` ([value, label]), keeping the chosen value(s) where still offered.
export function fillSelect(select, options, chosen) {
  const keep = new Set(chosen !== undefined ? [chosen].flat() : [...select.selectedOptions].map((o) => o.value));
  select.replaceChildren(...options.map(([value, label]) => el('option', { value, selected: keep.has(value) }, label)));
}

// A form's text fields as an object: empty ones left out, or null with `nullEmpty` (a PATCH clears them).
export function textFields(form, names, nullEmpty = false) {
  const body = {};
  for (const name of names) {
    const value = form.elements[name].value.trim();
    if (value) body[name] = value;
    else if (nullEmpty) body[name] = null;
  }
  return body;
}
