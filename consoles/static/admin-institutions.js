// Institutions: every one (deactivated ones marked, to be reactivated), searched by name or code on the page; add
// one, or edit one in the same form.
import { api, guarded } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el } from './lib/ui.js';
import { loadInstitutions, onInstitutions, store, textFields } from './admin-store.js';

const SHOWN = 20; // rows shown at once: the search narrows the rest
const FIELDS = ['code', 'name', 'district', 'address', 'phone'];
let editing = null;

export function initInstitutions() {
  $('inst-search').addEventListener('input', render);
  $('inst-form').addEventListener('submit', save);
  $('inst-cancel').addEventListener('click', () => edit(null));
  onInstitutions(render);
  onLanguageChange(() => { render(); formTitle(); });
  return guarded('inst-list-error', loadInstitutions);
}

function matches() {
  const needle = $('inst-search').value.trim().toLowerCase();
  return store.institutions.filter((i) => !needle || i.name.toLowerCase().includes(needle)
    || i.code.toLowerCase().includes(needle));
}

function render() {
  const found = matches();
  const rows = found.slice(0, SHOWN).map((i) => el('tr', { 'data-institution': i.id, 'data-code': i.code,
    'data-active': String(i.is_active) },
    el('td', {}, i.code), el('td', {}, i.name, i.is_active ? null : el('div', { class: 'hint' }, t('inactive'))), el('td', {}, t(`kind_${i.kind}`, {}, i.kind)), el('td', {}, i.district || ''),
    el('td', {}, el('button', { type: 'button', 'aria-label': `${t('edit')} ${i.name}`, onclick: () => edit(i) }, t('edit')))));
  $('inst-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5 }, t('institutions_empty')))]));
  $('inst-count').textContent = t('shown_of', { shown: rows.length, total: found.length });
}

// Fill the form with an institution to change it (or empty it to add one).
function edit(institution) {
  editing = institution;
  const form = $('inst-form');
  if (!institution) form.reset();
  for (const name of FIELDS) if (institution) form.elements[name].value = institution[name] || '';
  if (institution) {
    form.elements.kind.value = institution.kind;
    form.elements.is_active.checked = institution.is_active;
  }
  formTitle();
  $('inst-cancel').hidden = !institution;
  if (institution) $('inst-code').focus();
}

function formTitle() {
  $('inst-form-title').textContent = editing ? t('edit_institution', { name: editing.name }) : t('add_institution');
}

function save(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { ...textFields(form, FIELDS, Boolean(editing)), kind: form.elements.kind.value,
    is_active: form.elements.is_active.checked };
  guarded('inst-error', async () => {
    const saved = editing
      ? await api(`/api/v1/institutions/${editing.id}`, { method: 'PATCH', body })
      : await api('/api/v1/institutions', { method: 'POST', body });
    edit(null);
    $('inst-search').value = saved.code;
    await loadInstitutions();
    const done = t('institution_saved', { name: saved.name });
    $('inst-error').append(el('p', { class: 'ok', role: 'status' }, done));
    announce(done);
  }, form.querySelector('button[type=submit]'));
}
