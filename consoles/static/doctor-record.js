// The doctor's view of the patient and of their own prescribing: the record in brief beside the chat
// (GET /consultations/{id}/patient-summary), the medication catalogue from the API with a search box, and
// the prescriptions they issued recently (GET /prescriptions).
import { api, guarded } from './lib/api.js';
import { t } from './lib/i18n.js';
import { $, el, fmtTime, statusBadge } from './lib/ui.js';

let medicines = [];
let summary = null;
let history = [];

// -- catalogue ------------------------------------------------------------------------------------------
export async function loadCatalogue() {
  await guarded('rx-error', async () => {
    medicines = (await api('/api/v1/medicines?limit=200')).items;
    renderCatalogue();
  });
}

export function renderCatalogue() {
  const needle = ($('rx-search').value || '').trim().toLowerCase();
  const chosen = $('rx-code').value;
  const shown = medicines.filter((m) => !needle || [m.code, m.name, m.name_zh].some((v) => v.toLowerCase().includes(needle)));
  $('rx-code').replaceChildren(...shown.map((m) => el('option', { value: m.code, selected: m.code === chosen },
    `${m.name} ${m.name_zh} · ${m.strength} (${m.code})${m.restricted ? ` · ${t('restricted_drug')}` : ''}`)));
  $('rx-search-count').textContent = t('medicines_shown', { shown: shown.length, total: medicines.length });
}

// -- the patient in brief -------------------------------------------------------------------------------
// "Name · Sex · N years old" from {name, sex, age} (a queue row's patient or the summary), parts unknown left out.
export function patientLine(patient) {
  if (!patient) return '—';
  return [patient.name, patient.sex ? t(`sex_${patient.sex}`, {}, patient.sex) : null,
    patient.age === null || patient.age === undefined ? null : t('age_years', { years: patient.age })].filter(Boolean).join(' · ');
}

export async function showSummary(consultationId) {
  summary = null;
  $('patient-summary').hidden = false;
  await guarded('summary-error', async () => {
    summary = await api(`/api/v1/consultations/${consultationId}/patient-summary`);
    renderSummary();
  });
}

function section(titleKey, key, items) {
  return [el('dt', {}, t(titleKey)),
    el('dd', { 'data-summary': key }, items.length ? el('ul', {}, ...items.map((text) => el('li', {}, text)))
      : el('span', { class: 'hint' }, t('none_recorded')))];
}

export function renderSummary() {
  if (!summary) { $('summary-facts').replaceChildren(); return; }
  $('summary-who').textContent = patientLine(summary);
  const named = (item) => item.name || (item.code && item.code.code) || '—';
  $('summary-facts').replaceChildren(
    ...section('allergies', 'allergies', summary.allergies.items.map((a) =>
      [a.substance, a.criticality ? `(${a.criticality})` : null, a.reactions.filter(Boolean).join(', ')].filter(Boolean).join(' '))),
    ...section('active_conditions', 'conditions', summary.conditions.items.map((c) =>
      `${named(c)}${c.since ? ` · ${t('since', { when: c.since })}` : ''}`)),
    ...section('current_medicines', 'medicines', summary.medicines.items.map((m) =>
      [named(m), m.dosage].filter(Boolean).join(' · '))),
    ...section('recent_observations', 'observations', summary.observations.items.map((o) =>
      `${named(o)}: ${o.value ?? '—'}${o.at ? ` · ${fmtTime(o.at)}` : ''}`)),
    ...section('last_encounters', 'encounters', summary.encounters.items.map((e) =>
      [fmtTime(e.start), e.type, e.reason].filter(Boolean).join(' · '))));
}

// -- what I prescribed ----------------------------------------------------------------------------------
export async function loadHistory() {
  await guarded('history-error', async () => {
    history = (await api('/api/v1/prescriptions?limit=20')).items;
    renderHistory();
  });
}

export function renderHistory() {
  const rows = history.map((p) => el('li', { 'data-prescription': p.id, 'data-status': p.status },
    `${fmtTime(p.issued_at)} · ${p.items.map((i) => `${i.display || i.code} ${i.dose} ×${i.quantity}`).join(', ')} `,
    statusBadge(p.status), p.review && p.review.reason ? el('span', { class: 'hint' }, ` ${p.review.reason}`) : null));
  $('rx-history').replaceChildren(...(rows.length ? rows : [el('li', {}, t('rx_history_empty'))]));
}
