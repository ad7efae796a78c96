// Patient app, booking: find a doctor (clinic, institution, name; next free time), choose the condition
// from the patient's own record, learn whether online care is possible *before* choosing a slot (the
// risk-control answer in plain words with what to do next), then book.
import { api, apiAll, guarded, reasonText } from './lib/api.js';
import { lang, onLanguageChange, t } from './lib/i18n.js';
import { $, announce, clientId, el, fmtTime, replaceOptions } from './lib/ui.js';
import { concept } from './patient-records.js';

const SHOWN = 20; // doctors listed at once: each costs one "next free slot" request
const state = { me: null, doctors: [], institutions: [], conditions: [], nextFree: {}, onBooked: null };

const icd10 = (c) => ((c.code || {}).coding || []).find((cd) => /icd-10/.test(cd.system || '')) || null;

export async function initBooking(me, { onBooked }) {
  Object.assign(state, { me, onBooked });
  for (const id of ['clinic-filter', 'institution-filter']) $(id).addEventListener('change', renderDoctors);
  $('name-filter').addEventListener('input', renderDoctors);
  $('slot-form').addEventListener('submit', checkThenSearch);
  onLanguageChange(() => { renderFilters(); renderDoctors(); renderConditions(); });
  await Promise.all([loadDoctors(), loadConditions()]);
}

async function loadDoctors() {
  [state.doctors, state.institutions] = await Promise.all([apiAll('/api/v1/doctors?online=true&limit=200'),
    apiAll('/api/v1/institutions?limit=200')]);
  renderFilters();
  renderDoctors();
}

function renderFilters() {
  const clinics = [...new Set(state.doctors.flatMap((d) => d.specialties || []))];
  replaceOptions($('clinic-filter'), [el('option', { value: '' }, t('all_clinics')),
    ...clinics.map((code) => el('option', { value: code }, t(`specialty_${code}`, {}, code)))]);
  const used = new Set(state.doctors.flatMap((d) => d.institution_ids || []));
  replaceOptions($('institution-filter'), [el('option', { value: '' }, t('all_institutions')),
    ...state.institutions.filter((i) => used.has(i.id)).map((i) => el('option', { value: i.id }, i.name))]);
}

function institutionName(doctor) {
  const found = state.institutions.find((i) => (doctor.institution_ids || []).includes(i.id));
  return found ? found.name : '';
}

function renderDoctors() {
  const clinic = $('clinic-filter').value;
  const institution = $('institution-filter').value;
  const name = $('name-filter').value.trim().toLowerCase();
  const matching = state.doctors.filter((d) => (!clinic || (d.specialties || []).includes(clinic))
    && (!institution || (d.institution_ids || []).includes(institution))
    && (!name || d.name.toLowerCase().includes(name))).slice(0, SHOWN);
  replaceOptions($('doctor-select'), matching.map((d) => el('option', { value: d.id }, doctorLabel(d))));
  $('doctor-count').textContent = t('doctors_found', { count: matching.length });
  for (const d of matching) if (!(d.id in state.nextFree)) loadNextFree(d);
}

function doctorLabel(d) {
  const free = state.nextFree[d.id];
  const when = free === undefined ? '' : ` · ${free ? t('next_free', { time: fmtTime(free) }) : t('no_free_time')}`;
  const clinics = (d.specialties || []).map((code) => t(`specialty_${code}`, {}, code)).join(', ');
  return `${d.name}${d.title ? ` · ${d.title}` : ''} · ${clinics} · ${institutionName(d)}${when}`;
}

async function loadNextFree(doctor) {
  state.nextFree[doctor.id] = null;
  const slots = (await api(`/api/v1/slots?doctor_id=${encodeURIComponent(doctor.id)}&kind=online&limit=1`)).items;
  state.nextFree[doctor.id] = slots.length ? slots[0].starts_at : false;
  const option = [...$('doctor-select').options].find((o) => o.value === doctor.id);
  if (option) option.textContent = doctorLabel(doctor);
}

// The patient's active conditions with their ICD-10 codes: the complaint is chosen, never typed or pre-filled.
async function loadConditions() {
  const pid = encodeURIComponent(state.me.patient_id);
  const bundle = await api(`/fhir/Condition?patient=${pid}&clinical-status=active&_count=50`);
  state.conditions = (bundle.entry || []).map((e) => e.resource).filter(icd10);
  renderConditions();
}

function renderConditions() {
  replaceOptions($('complaint-code'), [el('option', { value: '' }, t('condition_choose')),
    ...state.conditions.map((c) => el('option', { value: icd10(c).code }, `${concept(c.code)} (${icd10(c).code})`)),
    el('option', { value: 'none' }, t('condition_new'))]);
}

function selectedDoctor() {
  return state.doctors.find((d) => d.id === $('doctor-select').value);
}

function checkThenSearch(event) {
  event.preventDefault();
  const doctor = selectedDoctor();
  const code = $('complaint-code').value;
  guarded('booking-error', async () => {
    $('slot-list').replaceChildren();
    const body = { checkpoint: 'book_online', doctor_id: doctor.practitioner_id };
    if (code && code !== 'none') body.complaint_code = code;
    const answer = await api('/api/v1/eligibility', { method: 'POST', body });
    renderEligibility(answer);
    if (!answer.allowed_online) return;
    const slots = (await api(`/api/v1/slots?doctor_id=${encodeURIComponent(doctor.id)}&kind=online&limit=12`)).items;
    $('slot-list').replaceChildren(...(slots.length ? slots.map(slotItem) : [el('li', {}, t('no_slots'))]));
  }, event.currentTarget.querySelector('button[type=submit]'));
}

function renderEligibility(answer) {
  const box = el('div', { class: answer.allowed_online ? 'ok' : 'warn', 'data-allowed': String(answer.allowed_online),
    'data-decision': answer.decision },
  el('strong', {}, answer.allowed_online ? t('eligible_online') : t('not_eligible_online')),
  el('ul', { class: 'reasons' }, ...(answer.reasons || []).map((r) => el('li', {}, reasonText(r)))));
  const steps = answer.next_steps || [];
  if (steps.length) {
    box.append(el('p', {}, t('next_steps')), el('ul', { class: 'steps' },
      ...steps.map((s) => el('li', { 'data-step': s }, t(`next_step_${s}`, {}, s)))));
  }
  const referral = answer.referral || {};
  if ((referral.family_doctor || {}).name) box.append(el('p', {}, t('your_family_doctor', { name: referral.family_doctor.name })));
  const places = (referral.institutions || []).map((i) => i.name).filter(Boolean);
  if (places.length) box.append(el('p', {}, t('where_in_person', { places: places.join(lang() === 'zh' ? '、' : ', ') })));
  $('eligibility').replaceChildren(box);
  announce(box.textContent);
}

export const slotTime = (slot) => `${fmtTime(slot.starts_at)} – ${fmtTime(slot.ends_at, false)}`;

function slotItem(slot) {
  return el('li', { 'data-slot': slot.id }, el('span', {}, slotTime(slot)),
    el('button', { type: 'button', onclick: (event) => book(slot, event.currentTarget) }, t('book')));
}

function book(slot, button) {
  guarded('booking-error', async () => {
    const body = { slot_id: slot.id, kind: 'online', reason: $('reason').value.trim() || null, channel: 'web' };
    const code = $('complaint-code').value;
    if (code && code !== 'none') body.complaint_code = code;
    await api('/api/v1/appointments', { method: 'POST', body, headers: { 'Idempotency-Key': clientId() } });
    announce(t('booked'));
    $('slot-list').replaceChildren();
    $('eligibility').replaceChildren();
    await state.onBooked();
  }, button);
}

// Free online slots of the doctor of `appointment` (for rescheduling).
export async function freeSlotsLike(appointment) {
  const doctorId = encodeURIComponent((appointment.doctor || {}).id || '');
  return (await api(`/api/v1/slots?doctor_id=${doctorId}&kind=${appointment.kind}&limit=8`)).items
    .filter((s) => s.id !== (appointment.slot || {}).id);
}
