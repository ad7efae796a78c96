// Patient app, care around the visits: the family doctor (see who, sign with one), guardians (add, accept
// when named, revoke) and the waiting list (join for a day with the doctor chosen above, take an offered place).
import { api, apiAll, guarded } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el, fmtTime, localDate, replaceOptions, statusBadge } from './lib/ui.js';

const RELATIONSHIPS = ['MTH', 'FTH', 'PRN', 'GRD', 'GRPRN', 'SIB', 'SPS', 'CHILD', 'FAMMEMB']; // HL7 v3 RoleCode
const state = { me: null, family: null, familyDoctors: [], guardians: [], waitlist: [], doctors: {} };

export async function initCare(me, { onBooked }) {
  state.me = me;
  state.onBooked = onBooked;
  $('waitlist-date').value = localDate();
  $('family-form').addEventListener('submit', signFamilyDoctor);
  $('guardian-form').addEventListener('submit', addGuardian);
  $('waitlist-form').addEventListener('submit', joinWaitlist);
  onLanguageChange(render);
  await Promise.all([loadFamily(), loadGuardians(), loadWaitlist()]);
}

async function loadFamily() {
  const doctors = await apiAll('/api/v1/doctors?family_doctor=true&limit=200');
  state.familyDoctors = doctors;
  for (const d of doctors) state.doctors[d.id] = d;
  try {
    state.family = await api('/api/v1/family-doctor');
  } catch (err) {
    if (err.status !== 404) throw err;
    state.family = null;  // not signed yet
  }
  render();
}

async function loadGuardians() {
  state.guardians = (await api('/api/v1/guardians?limit=50')).items;
  render();
}

async function loadWaitlist() {
  state.waitlist = (await api('/api/v1/waitlist?limit=50')).items.filter((w) => ['waiting', 'offered'].includes(w.status));
  render();
}

function render() {
  $('family-doctor').textContent = state.family
    ? t('family_doctor_is', { name: state.family.name, since: fmtTime(state.family.signed_at) }) : t('no_family_doctor');
  replaceOptions($('family-select'), state.familyDoctors.map((d) => el('option', { value: d.id },
    `${d.name}${d.title ? ` · ${d.title}` : ''}`)));
  replaceOptions($('guardian-relationship'), RELATIONSHIPS.map((code) => el('option', { value: code },
    t(`relationship_${code}`, {}, code))));
  $('guardian-list').replaceChildren(...(state.guardians.length ? state.guardians.map(guardianItem)
    : [el('li', {}, t('no_guardians'))]));
  $('waitlist-list').replaceChildren(...(state.waitlist.length ? state.waitlist.map(waitlistItem)
    : [el('li', {}, t('waitlist_empty'))]));
}

function guardianItem(g) {
  const mine = g.patient_id === state.me.patient_id;
  const actions = [];
  if (!mine && g.status === 'pending') {
    actions.push(el('button', { type: 'button', 'data-action': 'accept',
      onclick: (event) => guardianAct(g, 'accept', event.currentTarget) }, t('accept_guardian')));
  }
  if (['pending', 'active'].includes(g.status)) {
    actions.push(el('button', { type: 'button', 'data-action': 'revoke',
      onclick: (event) => guardianAct(g, 'revoke', event.currentTarget) }, t('revoke')));
  }
  const who = mine ? t('my_guardian', { relationship: t(`relationship_${g.relationship}`, {}, g.relationship) })
    : t('i_am_guardian', { relationship: t(`relationship_${g.relationship}`, {}, g.relationship) });
  return el('li', { 'data-guardian': g.id, 'data-status': g.status }, el('span', {}, who), statusBadge(g.status), ...actions);
}

function waitlistItem(w) {
  const doctor = state.doctors[w.doctor_id];
  const offer = w.status === 'offered'
    ? [el('strong', {}, t('waitlist_offer', { until: fmtTime(w.offer_expires_at) })),
      el('button', { type: 'button', class: 'primary', 'data-action': 'take',
        onclick: (event) => waitlistAct(w, 'accept', event.currentTarget) }, t('take_place'))] : [];
  return el('li', { 'data-entry': w.id, 'data-status': w.status }, el('span', {}, `${w.date}${doctor ? ` · ${doctor.name}` : ''}`),
    statusBadge(w.status), ...offer, el('button', { type: 'button', 'data-action': 'leave',
      onclick: (event) => waitlistAct(w, 'cancel', event.currentTarget) }, t('leave_waitlist')));
}

function signFamilyDoctor(event) {
  event.preventDefault();
  guarded('family-error', async () => {
    state.family = await api('/api/v1/family-doctor', { method: 'PUT', body: { doctor_id: $('family-select').value } });
    announce(t('family_doctor_is', { name: state.family.name, since: fmtTime(state.family.signed_at) }));
    render();
  }, event.currentTarget.querySelector('button'));
}

function addGuardian(event) {
  event.preventDefault();
  guarded('guardian-error', async () => {
    await api('/api/v1/guardians', { method: 'POST',
      body: { guardian_username: $('guardian-username').value.trim(), relationship: $('guardian-relationship').value } });
    $('guardian-username').value = '';
    announce(t('guardian_requested'));
    await loadGuardians();
  }, event.currentTarget.querySelector('button'));
}

function guardianAct(guardian, action, button) {
  guarded('guardian-error', async () => {
    await api(`/api/v1/guardians/${guardian.id}/${action}`, { method: 'POST' });
    await loadGuardians();
  }, button);
}

function joinWaitlist(event) {
  event.preventDefault();
  guarded('waitlist-error', async () => {
    const body = { doctor_id: $('doctor-select').value, date: $('waitlist-date').value };
    const code = $('complaint-code').value;
    if (code && code !== 'none') body.complaint_code = code;
    await api('/api/v1/waitlist', { method: 'POST', body });
    // Read the list again rather than add the new entry to it: a load that a push (an offer) started
    // may already hold it, in a newer status, and it was listed twice.
    await loadWaitlist();
    announce(t('waitlist_joined'));
  }, event.currentTarget.querySelector('button'));
}

function waitlistAct(entry, action, button) {
  guarded('waitlist-error', async () => {
    await api(`/api/v1/waitlist/${entry.id}/${action}`, { method: 'POST', ...(action === 'accept' ? { body: {} } : {}) });
    await loadWaitlist();
    if (action === 'accept') await state.onBooked();
  }, button);
}

// A waiting-list offer pushed while the page is open.
export function onWaitlistOffer() {
  return loadWaitlist();
}
