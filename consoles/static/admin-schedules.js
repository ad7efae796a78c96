// A doctor's schedule: the weekly sessions (templates: add, retire, resume) and leave (exceptions:
// record, remove). The doctor is chosen by institution, then by name.
import { api, apiAll, guarded, newestOnly } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el } from './lib/ui.js';
import { activeInstitutions, fillSelect, institutionName, onInstitutions } from './admin-store.js';

const SESSIONS = ['morning', 'afternoon', 'evening', 'night'];
const state = { doctors: [], doctor: null, templates: [], leave: [] };

export function initSchedules() {
  $('sched-inst').addEventListener('change', () => loadDoctors());
  $('sched-pick-form').addEventListener('submit', (event) => { event.preventDefault(); pick(event.submitter); });
  $('template-form').addEventListener('submit', addTemplate);
  $('leave-form').addEventListener('submit', addLeave);
  onInstitutions(() => { fillInstitutions(); loadDoctors(); });
  onLanguageChange(() => { fillFixed(); render(); });
  fillFixed();
  render();
}

function fillFixed() {
  fillSelect($('tpl-weekday'), [0, 1, 2, 3, 4, 5, 6].map((d) => [String(d), t(`weekday_${d}`)]));
  fillSelect($('tpl-session'), SESSIONS.map((s) => [s, t(`session_${s}`)]));
}

function fillInstitutions() {
  fillSelect($('sched-inst'), activeInstitutions());
}

const doctorsTurn = newestOnly();

function loadDoctors() {
  const institution = $('sched-inst').value;
  if (!institution) return undefined;
  const isNewest = doctorsTurn(); // the first institution's doctors, loaded on start, may answer after a change
  return guarded('sched-error', async () => {
    const doctors = await apiAll(`/api/v1/doctors?limit=200&institution_id=${encodeURIComponent(institution)}`);
    if (!isNewest()) return;
    state.doctors = doctors;
    fillSelect($('sched-doctor'), state.doctors.map((d) => [d.id, d.name]));
  });
}

function pick(button) {
  state.doctor = state.doctors.find((d) => d.id === $('sched-doctor').value) || null;
  if (state.doctor) fillSelect($('tpl-inst'), state.doctor.institution_ids.map((id) => [id, institutionName(id)]));
  return reload(button);
}

function reload(button) {
  return guarded('sched-error', async () => {
    if (!state.doctor) throw Object.assign(new Error(t('choose_doctor')), { title: t('error') });
    const query = `doctor_id=${encodeURIComponent(state.doctor.id)}&limit=200`;
    [state.templates, state.leave] = await Promise.all([apiAll(`/api/v1/schedules/templates?${query}`),
      apiAll(`/api/v1/schedules/exceptions?${query}`)]);
    render();
  }, button);
}

const hhmm = (time) => String(time).slice(0, 5);

function render() {
  const rows = state.templates.map((tpl) => el('tr', { 'data-template': tpl.id, 'data-active': String(tpl.is_active) },
    el('td', {}, t(`weekday_${tpl.weekday}`)), el('td', {}, t(`session_${tpl.session}`, {}, tpl.session),
      el('div', { class: 'hint' }, institutionName(tpl.institution_id))),
    el('td', {}, `${hhmm(tpl.start_time)}–${hhmm(tpl.end_time)}`), el('td', {}, tpl.slot_minutes), el('td', {}, tpl.capacity),
    el('td', {}, t(`kind_${tpl.kind}`, {}, tpl.kind)), el('td', {}, t(tpl.is_active ? 'active' : 'inactive')),
    el('td', {}, tpl.is_active
      ? el('button', { type: 'button', 'data-action': 'retire', onclick: (e) => retire(tpl, e.currentTarget) }, t('retire'))
      : el('button', { type: 'button', 'data-action': 'resume',
        onclick: (e) => change(tpl, { is_active: true }, e.currentTarget) }, t('resume')))));
  $('template-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 8 }, t('templates_empty')))]));
  const leave = state.leave.map((x) => el('li', { 'data-exception': x.id },
    `${x.start_date} – ${x.end_date}`, x.reason ? ` · ${x.reason}` : '',
    el('button', { type: 'button', 'aria-label': `${t('delete')} ${x.start_date}`,
      onclick: (e) => removeLeave(x, e.currentTarget) }, t('delete'))));
  $('leave-list').replaceChildren(...(leave.length ? leave : [el('li', {}, t('leave_empty'))]));
}

function change(template, body, button) {
  guarded('sched-error', async () => {
    await api(`/api/v1/schedules/templates/${template.id}`, { method: 'PATCH', body });
    await reload();
  }, button);
}

// Retiring a session cancels its free future slots (booked ones are flagged for the doctor); it can be resumed.
function retire(template, button) {
  guarded('sched-error', async () => {
    await api(`/api/v1/schedules/templates/${template.id}`, { method: 'DELETE' });
    announce(t('template_retired'));
    await reload();
  }, button);
}

function removeLeave(leave, button) {
  guarded('leave-error', async () => {
    await api(`/api/v1/schedules/exceptions/${leave.id}`, { method: 'DELETE' });
    await reload();
  }, button);
}

function addTemplate(event) {
  event.preventDefault();
  const f = event.currentTarget.elements;
  guarded('template-error', async () => {
    if (!state.doctor) throw Object.assign(new Error(t('choose_doctor')), { title: t('error') });
    await api('/api/v1/schedules/templates', { method: 'POST', body: {
      doctor_id: state.doctor.id, institution_id: f.institution_id.value, weekday: Number(f.weekday.value),
      session: f.session.value, kind: f.kind.value,
      start_time: `${hhmm(f.start_time.value)}:00`, end_time: `${hhmm(f.end_time.value)}:00`,
      slot_minutes: Number(f.slot_minutes.value), capacity: Number(f.capacity.value) } });
    announce(t('template_added'));
    await reload();
  }, event.submitter);
}

function addLeave(event) {
  event.preventDefault();
  const f = event.currentTarget.elements;
  guarded('leave-error', async () => {
    if (!state.doctor) throw Object.assign(new Error(t('choose_doctor')), { title: t('error') });
    const made = await api('/api/v1/schedules/exceptions', { method: 'POST', body: { doctor_id: state.doctor.id,
      kind: 'leave', start_date: f.start_date.value, end_date: f.end_date.value, reason: f.reason.value.trim() || null } });
    announce(t('leave_recorded', { cancelled: made.cancelled_slots, flagged: made.flagged_slots }));
    await reload();
  }, event.submitter);
}
