// The patient's own health record through the FHIR API: encounters, conditions, observations, dispenses.
import { api, showProblem } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, el, fmtTime } from './lib/ui.js';

const TYPES = ['Encounter', 'Condition', 'Observation', 'MedicationDispense'];
let me = null;
let selected = 'Encounter';

export const concept = (c) => (c ? c.text || ((c.coding || [])[0] || {}).display || ((c.coding || [])[0] || {}).code : '—');
const quantity = (q) => (q ? `${q.value} ${q.unit || q.code || ''}`.trim() : '');
// FHIR status and class codes in words (the code itself when the page has no word for it).
const status = (code) => (code ? t(`fhir_status_${code.replaceAll('-', '_')}`, {}, code) : '');
const encounterClass = (c) => (c ? t(`encounter_class_${c.code}`, {}, c.display || c.code) : '');
const clinical = (c) => status(((c || {}).coding || [])[0]?.code) || concept(c);

const ROWS = {
  Encounter: (r) => [fmtTime((r.period || {}).start), encounterClass(r.class), status(r.status),
    (r.serviceProvider || {}).display || ''],
  Condition: (r) => [fmtTime(r.recordedDate || r.onsetDateTime), concept(r.code), clinical(r.clinicalStatus), ''],
  Observation: (r) => [fmtTime(r.effectiveDateTime || r.issued), concept(r.code),
    r.valueQuantity ? quantity(r.valueQuantity) : r.valueString
      || (r.component || []).map((c) => `${concept(c.code)} ${quantity(c.valueQuantity)}`).join('; '), status(r.status)],
  MedicationDispense: (r) => [fmtTime(r.whenHandedOver || r.whenPrepared), concept(r.medicationCodeableConcept),
    quantity(r.quantity), status(r.status)],
};

export function initRecords(user) {
  me = user;
  renderTabs();
  onLanguageChange(() => { renderTabs(); show(selected); });
  show(selected);
}

function renderTabs() {
  $('record-tabs').replaceChildren(...TYPES.map((type) => el('button', {
    type: 'button', role: 'tab', id: `tab-${type}`, 'aria-selected': String(type === selected),
    'aria-controls': 'record-panel', onclick: () => show(type) }, t(`fhir_${type}`))));
}

async function show(type) {
  selected = type;
  for (const tab of $('record-tabs').children) tab.setAttribute('aria-selected', String(tab.id === `tab-${type}`));
  $('record-panel').setAttribute('aria-labelledby', `tab-${type}`);
  try {
    const bundle = await api(`/fhir/${type}?patient=${encodeURIComponent(me.patient_id)}&_count=50`);
    const rows = (bundle.entry || []).map((e) => e.resource);
    const head = ['when', 'what', 'value_or_status', 'detail'].map((k) => el('th', { scope: 'col' }, t(`col_${type}_${k}`, {}, t(`col_${k}`))));
    $('record-panel').replaceChildren(rows.length
      ? el('table', { 'data-type': type }, el('thead', {}, el('tr', {}, ...head)),
        el('tbody', {}, ...rows.map((r) => el('tr', { 'data-id': r.id }, ...ROWS[type](r).map((v) => el('td', {}, v || ''))))))
      : el('p', {}, t('no_records')));
  } catch (err) {
    showProblem('record-panel', err);
  }
}
