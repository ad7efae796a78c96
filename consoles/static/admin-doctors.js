// Doctors: the list (by institution, a page at a time); add one, or edit one in the same form (specialties
// and institutions are chosen from lists; the fee is typed in yuan and kept in fen).
import { api, apiAll, guarded, newestOnly } from './lib/api.js';
import { lang, onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el } from './lib/ui.js';
import { activeInstitutions, fillSelect, institutionName, onInstitutions, textFields } from './admin-store.js';

const PAGE = 20;
const FLAGS = { online: 'doctor-online', in_person: 'doctor-in-person', is_family_doctor: 'doctor-family',
  is_active: 'doctor-active' };
const state = { doctors: [], next: null, editing: null, specialties: [] };

export function initDoctors() {
  $('doctor-filter-form').addEventListener('submit', (event) => { event.preventDefault(); loadDoctors(event.submitter); });
  $('doctors-more').addEventListener('click', (event) => loadDoctors(event.currentTarget, true));
  $('doctor-form').addEventListener('submit', save);
  $('doctor-cancel').addEventListener('click', () => edit(null));
  onInstitutions(fillChoosers);
  onLanguageChange(() => { fillChoosers(); render(); formTitle(); });
  fillChoosers();
  loadSpecialties();
  return loadDoctors();
}

// The code list is the server's (GET /api/v1/specialties), named in both languages there.
function loadSpecialties() {
  return guarded('doctors-error', async () => {
    state.specialties = await apiAll('/api/v1/specialties?limit=200');
    fillChoosers();
    render();
  });
}

function specialtyName(code) {
  const specialty = state.specialties.find((s) => s.code === code);
  return specialty ? (lang() === 'zh' ? specialty.name_zh : specialty.name) : code;
}

const specialtyOptions = () => state.specialties.map((s) => [s.code, specialtyName(s.code)]);

function fillChoosers() {
  const institutions = activeInstitutions();
  fillSelect($('doctor-inst-filter'), [['', t('all_institutions')], ...institutions]);
  fillSelect($('doctor-institutions'), institutions);
  fillSelect($('doctor-specialties'), specialtyOptions());
}

const doctorsTurn = newestOnly();

function loadDoctors(button, more = false) {
  const isNewest = doctorsTurn();
  return guarded('doctors-error', async () => {
    const institution = $('doctor-inst-filter').value;
    const url = more ? state.next : `/api/v1/doctors?limit=${PAGE}&status=${$('doctor-status-filter').value}${
      institution ? `&institution_id=${encodeURIComponent(institution)}` : ''}`;
    const page = await api(url);
    if (!isNewest()) return;
    state.doctors = more ? [...state.doctors, ...page.items] : page.items;
    state.next = page.next;
    render();
  }, button);
}

function render() {
  const rows = state.doctors.map((d) => el('tr', { 'data-doctor': d.id, 'data-practitioner': d.practitioner_id, 'data-active': String(d.is_active) },
    el('td', {}, d.name, d.title ? el('div', { class: 'hint' }, d.title) : null), el('td', {}, d.practitioner_id),
    el('td', {}, d.specialties.map(specialtyName).join(', '),
      el('div', { class: 'hint' }, d.institution_ids.map(institutionName).join(', '))),
    el('td', {}, [d.online && t('kind_online'), d.in_person && t('kind_in_person')].filter(Boolean).join(' · ')),
    el('td', {}, el('button', { type: 'button', 'aria-label': `${t('edit')} ${d.name}`, onclick: () => edit(d) }, t('edit')))));
  $('doctor-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5 }, t('doctors_empty')))]));
  $('doctors-more').hidden = !state.next;
}

function edit(doctor) {
  state.editing = doctor;
  const form = $('doctor-form');
  if (!doctor) form.reset();
  else {
    for (const name of ['practitioner_id', 'name', 'title']) form.elements[name].value = doctor[name] || '';
    form.elements.fee.value = (doctor.consult_fee_fen / 100).toFixed(2);
    fillSelect($('doctor-specialties'), specialtyOptions(), doctor.specialties);
    fillSelect($('doctor-institutions'), activeInstitutions(), doctor.institution_ids);
    for (const [field, id] of Object.entries(FLAGS)) $(id).checked = Boolean(doctor[field]);
  }
  formTitle();
  $('doctor-cancel').hidden = !doctor;
  if (doctor) $('doctor-practitioner').focus();
}

function formTitle() {
  const doctor = state.editing;
  $('doctor-form-title').textContent = doctor ? t('edit_doctor', { name: doctor.name }) : t('add_doctor');
}

function save(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { ...textFields(form, ['practitioner_id', 'name', 'title'], Boolean(state.editing)),
    consult_fee_fen: Math.round(Number(form.elements.fee.value || 0) * 100),
    specialties: [...$('doctor-specialties').selectedOptions].map((o) => o.value),
    institution_ids: [...$('doctor-institutions').selectedOptions].map((o) => o.value) };
  for (const [field, id] of Object.entries(FLAGS)) body[field] = $(id).checked;
  guarded('doctor-error', async () => {
    const saved = state.editing
      ? await api(`/api/v1/doctors/${state.editing.id}`, { method: 'PATCH', body })
      : await api('/api/v1/doctors', { method: 'POST', body });
    edit(null);
    state.doctors = [saved, ...state.doctors.filter((d) => d.id !== saved.id)];
    render();
    const done = t('doctor_saved', { name: saved.name });
    $('doctor-error').append(el('p', { class: 'ok', role: 'status' }, done));
    announce(done);
  }, form.querySelector('button[type=submit]'));
}
