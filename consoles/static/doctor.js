// Doctor workstation: open a consulting room, watch today's queue (who each patient is), call the next
// patient, see their record in brief beside the chat and video, record the diagnosis and note, end, and
// prescribe from the catalogue (risk-checked; pharmacist review follows). A reload resumes the consultation.
import { api, apiAll, guarded, showProblem } from './lib/api.js';
import { getToken } from './lib/auth.js';
import {
  loadCatalogue, loadHistory, patientLine, renderCatalogue, renderHistory, renderSummary, showSummary,
} from './doctor-record.js';
import { ConsultPanel } from './lib/chat.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { startConsole } from './lib/session.js';
import { connectConsult } from './lib/socket.js';
import { $, announce, el, fmtTime, localDate, statusBadge } from './lib/ui.js';

const QUEUE_POLL_MS = 5000;
const state = { me: null, room: null, rooms: [], consultationId: null, panel: null, issued: [], appointments: [] };

startConsole({ roles: ['doctor'], onReady });

async function onReady(me) {
  state.me = me;
  const socket = connectConsult(getToken(), {
    notification: (note) => {
      announce(note.title);
      if (/^prescription\./.test(note.kind)) { refreshIssued(); loadHistory(); }
    },
    consultation_refused: (data) => showProblem('queue-error', { title: t('consult_refused'), message: t('consult_refused'), body: data }),
    invite_expired: () => { announce(t('invite_expired')); loadRooms(); },
  });
  if (socket) state.panel = new ConsultPanel({ socket, me, onEnded: () => loadQueue() });
  $('rx-search').addEventListener('input', renderCatalogue);
  $('room-form').addEventListener('submit', openRoom);
  $('close-room').addEventListener('click', closeRoom);
  $('call-next').addEventListener('click', callNext);
  $('refresh-queue').addEventListener('click', () => loadQueue());
  $('add-session').addEventListener('click', addSession);
  $('end-form').addEventListener('submit', endConsultation);
  $('rx-form').addEventListener('submit', prescribe);
  onLanguageChange(() => { renderRooms(); renderQueue(); renderIssued(); renderSummary(); renderHistory(); renderCatalogue(); });
  await Promise.all([loadCatalogue(), loadHistory()]);
  await loadRooms();
  await resumeConsultation();
  await loadQueue();
  setInterval(() => { if (!document.hidden) loadQueue(); }, QUEUE_POLL_MS);
}

// -- room -----------------------------------------------------------------------------------------------
async function loadRooms() {
  state.rooms = await apiAll('/api/v1/rooms');
  state.room = state.rooms.find((r) => r.status === 'open' && r.doctor_user_id === state.me.id) || null;
  renderRooms();
}

// After a reload or on another device: the consultation under way, if any (404: none).
async function resumeConsultation() {
  try {
    const consultation = await api('/api/v1/consultations/current');
    if (!state.consultationId) await startPanel(consultation.id);
  } catch (err) {
    if (err.status !== 404) showProblem('queue-error', err);
  }
}

function renderRooms() {
  const chosen = $('room-select').value;
  $('room-select').replaceChildren(...state.rooms.map((r) => el('option', {
    value: r.id, selected: state.room ? r.id === state.room.id : r.id === chosen,
    disabled: r.status === 'open' && r.doctor_user_id !== state.me.id }, `${r.name} (${t(`room_${r.status}`, {}, r.status)})`)));
  $('room-status').textContent = state.room ? t('room_is_open', { name: state.room.name }) : t('room_none_open');
  $('close-room').disabled = !state.room;
  $('open-room').disabled = Boolean(state.room);
  $('call-next').disabled = !state.room;
}

function openRoom(event) {
  event.preventDefault();
  guarded('room-error', async () => {
    state.room = await api(`/api/v1/rooms/${$('room-select').value}/open`, { method: 'POST' });
    announce(t('room_is_open', { name: state.room.name }));
    await loadRooms();
  }, $('open-room'));
}

function closeRoom(event) {
  guarded('room-error', async () => {
    await api(`/api/v1/rooms/${state.room.id}/close`, { method: 'POST' });
    state.room = null;
    await loadRooms();
  }, event.currentTarget);
}

// A weekly online session on today's weekday starting within ten minutes (local Ningbo time), so that a
// demo can book and check in whatever the day (the demo templates are Mon/Wed/Fri afternoons).
function addSession(event) {
  guarded('session-error', async () => {
    const doctors = await apiAll('/api/v1/doctors?online=true&limit=200');
    const doctor = doctors.find((d) => d.practitioner_id === state.me.practitioner_id);
    const institutionId = (state.room && state.room.institution_id) || doctor.institution_ids[0];
    const local = new Date(Date.now() + 8 * 3600000); // Asia/Shanghai has no daylight saving
    const minutes = Math.ceil((local.getUTCHours() * 60 + local.getUTCMinutes() + 1) / 10) * 10;
    const end = Math.min(minutes + 120, 23 * 60 + 50);
    if (end - minutes < 10) throw new Error(t('too_late_today'));
    const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
    const hour = minutes / 60;
    const session = hour < 12 ? 'morning' : hour < 18 ? 'afternoon' : hour < 22 ? 'evening' : 'night';
    const weekday = (local.getUTCDay() + 6) % 7; // Monday = 0
    const template = await api('/api/v1/schedules/templates', { method: 'POST', body: {
      doctor_id: doctor.id, institution_id: institutionId, weekday, session, start_time: hhmm(minutes),
      end_time: hhmm(end), slot_minutes: 10, capacity: 1, kind: 'online' } });
    $('session-status').textContent = t('session_added', { start: template.start_time.slice(0, 5), end: template.end_time.slice(0, 5) });
  }, event.currentTarget);
}

// -- queue ----------------------------------------------------------------------------------------------
async function loadQueue() {
  await guarded('queue-error', async () => {
    const rows = await apiAll(`/api/v1/appointments?date=${localDate()}&limit=200`);
    state.appointments = rows.filter((a) => a.kind === 'online');
    renderQueue();
  });
}

function renderQueue() {
  const rows = state.appointments.map((a) => el('tr', { 'data-appointment': a.id, 'data-status': a.status },
    el('td', {}, a.queue_number ?? '—'), el('td', {}, fmtTime(a.starts_at, false)), el('td', {}, patientLine(a.patient)),
    el('td', {}, a.reason || ''), el('td', {}, statusBadge(a.status))));
  $('queue-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5 }, t('queue_empty')))]));
  const waiting = state.appointments.filter((a) => a.status === 'checked_in').length;
  $('call-next').textContent = `${t('call_next')} (${waiting})`;
}

function callNext(event) {
  guarded('queue-error', async () => {
    const consultation = await api(`/api/v1/rooms/${state.room.id}/call-next`, { method: 'POST', body: {} });
    announce(t('patient_invited'));
    await startPanel(consultation.id);
    await loadQueue();
  }, event.currentTarget);
}

async function startPanel(consultationId) {
  state.consultationId = consultationId;
  $('outcome').hidden = false;
  $('prescribe').hidden = false;
  $('end-form').querySelector('button').disabled = false;
  $('end-status').textContent = '';
  state.issued = [];
  await Promise.all([showSummary(consultationId), refreshIssued()]);
  if (state.panel) await guarded('chat-error', () => state.panel.open(consultationId));
}

// -- outcome and prescription ---------------------------------------------------------------------------
function endConsultation(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const body = { note: form.note.value, diagnoses: [{ code: form.code.value.trim().toUpperCase(), display: form.display.value }],
    condition_changed: form.condition_changed.checked };
  if (form.systolic.value) {
    body.observations = [{ code: '8480-6', system: 'http://loinc.org', display: 'Systolic blood pressure',
      value: Number(form.systolic.value), unit: 'mm[Hg]' }];
  }
  guarded('end-error', async () => {
    await api(`/api/v1/consultations/${state.consultationId}/end`, { method: 'POST', body });
    $('end-status').textContent = t('consult_ended');
    form.querySelector('button').disabled = true;
    await loadRooms();
  }, form.querySelector('button'));
}

function prescribe(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const item = { code: form.code.value, dose: form.dose.value, frequency: form.frequency.value, route: form.route.value,
    quantity: Number(form.quantity.value), days_supply: Number(form.days_supply.value) };
  guarded('rx-error', async () => {
    const prescription = await api('/api/v1/prescriptions', { method: 'POST', body: { consultation_id: state.consultationId, items: [item] } });
    state.issued.push(prescription);
    renderIssued();
    announce(t('prescription_sent'));
    await loadHistory();
  }, form.querySelector('button'));
}

// The prescriptions of the consultation on screen (after a reload too).
async function refreshIssued() {
  if (!state.consultationId) return;
  await guarded('rx-error', async () => {
    const page = await api(`/api/v1/prescriptions?consultation_id=${encodeURIComponent(state.consultationId)}&limit=50`);
    state.issued = page.items.reverse();
    renderIssued();
  });
}

function renderIssued() {
  $('rx-issued').replaceChildren(...state.issued.map((p) => el('li', { 'data-prescription': p.id, 'data-status': p.status },
    `${fmtTime(p.issued_at)} · ${p.items.map((i) => `${i.display || i.code} ${i.dose}`).join(', ')} `, statusBadge(p.status))));
}
