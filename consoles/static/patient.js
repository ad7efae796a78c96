// Patient app: protocol, triage, booking (patient-booking.js), appointments (cancel, reschedule) and the live
// queue, consultation, medicine, records.
import { api, guarded, reasonText, showProblem } from './lib/api.js';
import { getToken } from './lib/auth.js';
import { ConsultPanel } from './lib/chat.js';
import { lang, onLanguageChange, t } from './lib/i18n.js';
import { startConsole } from './lib/session.js';
import { connectConsult } from './lib/socket.js';
import { $, announce, el, fmtTime, statusBadge } from './lib/ui.js';
import { initAccountHelp } from './patient-account.js';
import { freeSlotsLike, initBooking, slotTime } from './patient-booking.js';
import { initCare, onWaitlistOffer } from './patient-care.js';
import { initBills, loadBills } from './patient-bills.js';
import { initHealth } from './patient-health.js';
import { loadMedicine, rememberOrder } from './patient-medicine.js';
import { initRecords } from './patient-records.js';

// A few entries of the symptom catalogue (SNOMED CT); the first two are red flags.
const SYMPTOMS = [
  ['29857009', 'Chest pain', '胸痛'], ['267036007', 'Dyspnoea', '呼吸困难'], ['404640003', 'Dizziness', '头晕'],
  ['25064002', 'Headache', '头痛'], ['84229001', 'Fatigue', '乏力'], ['80313002', 'Palpitations', '心悸'],
];
const ACTIVE = ['booked', 'checked_in', 'in_consultation'];
const INVITES_KEY = 'cloud-hospital.patient.invites';
// Invitations survive a reload of the page (the `invited` push is sent once).
const state = { me: null, socket: null, panel: null, invites: JSON.parse(sessionStorage.getItem(INVITES_KEY) || '{}'),
  queue: {}, appointments: [], protocol: null, rescheduling: {}, cancelling: null, notes: [] };

initAccountHelp();
startConsole({ roles: ['patient'], onReady });

async function onReady(me) {
  state.me = me;
  state.socket = connectConsult(getToken(), {
    queue_update: onQueueUpdate,
    invited: onInvited,
    consultation_refused: (data) => { showProblem('appointments-error', { title: t('consult_refused'), message: t('consult_refused'), body: data }); loadAppointments(); },
    invite_expired: () => loadAppointments(),
    notification: onNotification,
  });
  if (state.socket) {
    state.panel = new ConsultPanel({ socket: state.socket, me, onEnded: () => { loadAppointments(); loadMedicine(); } });
  }
  renderSymptoms();
  onLanguageChange(() => { renderSymptoms(); renderProtocol(); renderAppointments(); renderNotes(); });
  $('sign-protocol').addEventListener('click', signProtocol);
  $('triage-form').addEventListener('submit', submitTriage);
  await Promise.all([loadProtocol(), initBooking(me, { onBooked: bookedThen }), loadAppointments(), loadMedicine(),
    loadNotifications(), initCare(me, { onBooked: bookedThen }), initHealth(),
    initBills()]);
  initRecords(me);
}

// -- 1. protocol ---------------------------------------------------------------------------------------
async function loadProtocol() {
  state.protocol = await api('/api/v1/consents/protocol');
  renderProtocol();
}

function renderProtocol() {
  if (!state.protocol) return;
  $('protocol-text').textContent = lang() === 'zh' ? state.protocol.text_zh : state.protocol.text_en;
  // Enabled only now: signing needs the protocol's version, so a click before it loads would fail.
  $('sign-protocol').disabled = false;
}

function signProtocol(event) {
  guarded('protocol-status', async () => {
    const consent = await api('/api/v1/consents', { method: 'POST', body: { protocol_version: state.protocol.version } });
    $('protocol-status').replaceChildren(t('protocol_signed', { until: fmtTime(consent.expires_at) }));
    announce(t('protocol_signed', { until: fmtTime(consent.expires_at) }));
  }, event.currentTarget);
}

// -- 2. triage -----------------------------------------------------------------------------------------
function renderSymptoms() {
  const checked = new Set([...document.querySelectorAll('#symptom-list input:checked')].map((i) => i.value));
  $('symptom-list').replaceChildren(...SYMPTOMS.map(([code, en, zh]) => el('label', {},
    el('input', { type: 'checkbox', name: 'symptom', value: code, checked: checked.has(code) }), lang() === 'zh' ? zh : en)));
}

function submitTriage(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const vitals = {};
  for (const name of ['systolic_bp', 'diastolic_bp', 'heart_rate', 'temperature_c', 'spo2']) {
    if (form[name].value !== '') vitals[name] = Number(form[name].value);
  }
  const symptoms = [...form.querySelectorAll('input[name=symptom]:checked')].map((i) => i.value);
  guarded('triage-result', async () => {
    const answer = await api('/api/v1/triage', { method: 'POST', body: { symptoms, vitals } });
    const assessment = answer.assessment;
    const box = el('div', { class: assessment.stable ? 'ok' : 'warn', 'data-stable': String(assessment.stable) },
      el('strong', {}, assessment.stable ? t('triage_stable') : t('triage_unstable')),
      el('ul', {}, ...(assessment.reasons || []).map((r) => el('li', {}, reasonText(r)))),
      assessment.emergency_number ? el('p', {}, t('call_emergency', { number: assessment.emergency_number })) : null);
    $('triage-result').replaceChildren(box);
    announce(box.textContent);
  }, form.querySelector('button'));
}

// -- 4. appointments, queue, invitations ---------------------------------------------------------------
async function loadAppointments() {
  const rows = (await api('/api/v1/appointments?limit=50')).items;
  state.appointments = rows.filter((a) => ACTIVE.includes(a.status) || a.status === 'fulfilled').reverse().slice(0, 6);
  for (const id of Object.keys(state.invites)) {  // forget the invitations of appointments that are over
    if (!state.appointments.some((a) => a.id === id && ACTIVE.includes(a.status))) delete state.invites[id];
  }
  sessionStorage.setItem(INVITES_KEY, JSON.stringify(state.invites));
  await Promise.all(state.appointments.filter((a) => ['checked_in', 'in_consultation'].includes(a.status))
    .map(async (a) => { state.queue[a.id] = await api(`/api/v1/appointments/${a.id}/queue`); }));
  renderAppointments();
}

function renderAppointments() {
  const items = state.appointments.map((a) => {
    const queue = state.queue[a.id];
    const invite = state.invites[a.id];
    const actions = [];
    if (a.status === 'booked') {
      actions.push(el('button', { type: 'button', 'data-action': 'check-in', onclick: (event) => checkIn(a, event.currentTarget) },
        t('check_in')),
        el('button', { type: 'button', 'data-action': 'reschedule', onclick: (event) => offerSlots(a, event.currentTarget) },
          t('reschedule')), ...cancelButtons(a));
    }
    if (invite && a.status !== 'fulfilled') {
      actions.push(el('button', { type: 'button', class: 'primary', onclick: () => joinConsultation(invite.consultation_id) },
        t('join_consultation')));
    }
    const position = queue && a.status === 'checked_in' && queue.position
      ? el('span', { class: 'queue', 'data-position': queue.position },
        t('queue_position', { position: queue.position, number: queue.queue_number ?? '—', wait: queue.estimated_wait_minutes ?? '—' }))
      : null;
    return el('li', { 'data-appointment': a.id, 'data-status': a.status },
      el('span', {}, `${fmtTime(a.starts_at)} · ${a.doctor ? a.doctor.name : ''}`), statusBadge(a.status), position,
      invite && a.status !== 'fulfilled' ? el('strong', { class: 'invite' }, t('invited_by', { doctor: invite.doctor_name || '' })) : null,
      ...actions, rescheduleList(a));
  });
  $('appointment-list').replaceChildren(...(items.length ? items : [el('li', {}, t('no_appointments'))]));
}

// Cancelling asks once more (a second button) before it is done.
function cancelButtons(appointment) {
  if (state.cancelling !== appointment.id) {
    return [el('button', { type: 'button', 'data-action': 'cancel',
      onclick: () => { state.cancelling = appointment.id; renderAppointments(); } }, t('cancel_appointment'))];
  }
  return [el('button', { type: 'button', class: 'danger', 'data-action': 'confirm-cancel',
    onclick: (event) => cancel(appointment, event.currentTarget) }, t('confirm_cancel')),
  el('button', { type: 'button', onclick: () => { state.cancelling = null; renderAppointments(); } }, t('keep_appointment'))];
}

function cancel(appointment, button) {
  guarded('appointments-error', async () => {
    await api(`/api/v1/appointments/${appointment.id}/cancel`, { method: 'POST' });
    state.cancelling = null;
    announce(t('appointment_cancelled'));
    await loadAppointments();
  }, button);
}

function offerSlots(appointment, button) {
  guarded('appointments-error', async () => {
    state.rescheduling[appointment.id] = await freeSlotsLike(appointment);
    renderAppointments();
  }, button);
}

function rescheduleList(appointment) {
  const slots = state.rescheduling[appointment.id];
  if (!slots) return null;
  if (!slots.length) return el('p', { class: 'hint' }, t('no_slots'));
  return el('ul', { class: 'list', 'aria-label': t('reschedule') }, ...slots.map((slot) => el('li', { 'data-slot': slot.id },
    el('span', {}, slotTime(slot)),
    el('button', { type: 'button', onclick: (event) => reschedule(appointment, slot, event.currentTarget) }, t('move_here')))));
}

function reschedule(appointment, slot, button) {
  guarded('appointments-error', async () => {
    await api(`/api/v1/appointments/${appointment.id}/reschedule`, { method: 'POST', body: { slot_id: slot.id } });
    delete state.rescheduling[appointment.id];
    announce(t('rescheduled', { time: fmtTime(slot.starts_at) }));
    await loadAppointments();
  }, button);
}

async function bookedThen() {
  await Promise.all([loadAppointments(), loadBills()]);  // a booking brings its bill
  $('appointments').scrollIntoView({ block: 'start' });
}

function checkIn(appointment, button) {
  guarded('appointments-error', async () => {
    state.queue[appointment.id] = await api(`/api/v1/appointments/${appointment.id}/check-in`, { method: 'POST' });
    announce(t('checked_in'));
    await loadAppointments();
  }, button);
}

function onQueueUpdate(update) {
  state.queue[update.appointment_id] = { ...(state.queue[update.appointment_id] || {}), ...update };
  renderAppointments();
  announce(t('queue_position', { position: update.position, number: update.queue_number ?? '—', wait: update.estimated_wait_minutes ?? '—' }));
}

function onInvited(invite) {
  state.invites[invite.appointment_id] = invite;
  sessionStorage.setItem(INVITES_KEY, JSON.stringify(state.invites));
  announce(t('invited_by', { doctor: invite.doctor_name || '' }));
  loadAppointments();
}

function joinConsultation(consultationId) {
  guarded('appointments-error', async () => {
    if (!state.panel) throw new Error(t('socketio_missing'));
    await state.panel.open(consultationId);
  });
}

// -- notifications --------------------------------------------------------------------------------------
async function loadNotifications() {
  const notes = (await api('/api/v1/notifications?limit=20')).items;
  for (const note of notes) if (note.data && note.data.order_id) rememberOrder(note.data.order_id);
  state.notes = notes;
  renderNotes();
}

// The inbox title is the server's fallback; a known kind is said in the page's language only.
const noteTitle = (note) => t(`note_${note.kind.replaceAll('.', '_')}`, {}, note.title);

function renderNotes() {
  $('note-list').replaceChildren(...state.notes.map(noteItem));
}

function noteItem(note) {
  return el('li', { 'data-kind': note.kind }, el('time', { datetime: note.created_at }, fmtTime(note.created_at)), ' ',
    noteTitle(note));
}

function onNotification(note) {
  state.notes.unshift(note);
  renderNotes();
  announce(noteTitle(note));
  if (note.data && note.data.order_id) rememberOrder(note.data.order_id);
  if (/^(prescription|order)\./.test(note.kind)) loadMedicine();
  if (note.kind === 'waitlist_offer') onWaitlistOffer();
}
