// The reviewing pharmacist's view of one prescription (GET /prescriptions/{id}/review): the patient's facts
// as read at submission (age, sex, allergies, active conditions, current medicines), the automatic flags with
// their reasons and sources, a decision on each flag, then approve (only once every flag is decided and none
// upheld) or reject with a reason.
import { t } from './lib/i18n.js';
import { el, fmtTime, statusBadge } from './lib/ui.js';

const none = () => el('span', { class: 'hint' }, t('none_recorded'));

function listOf(values) {
  return values.length ? values.join('; ') : none();
}

function patientLine(patient) {
  const sex = patient.sex ? t(`sex_${patient.sex}`, {}, patient.sex) : t('sex_unknown');
  const age = patient.age_years === null || patient.age_years === undefined ? t('age_unknown')
    : t('age_years', { years: patient.age_years });
  return `${sex} · ${age}`;
}

function factsSection(facts) {
  if (!facts) return el('p', { class: 'hint' }, t('facts_missing'));
  const allergies = facts.allergies.map((a) => [a.substance || a.codes.map((c) => c.display || c.code).join(', '),
    a.criticality ? `(${a.criticality})` : '', a.reactions.filter(Boolean).join(', ')].filter(Boolean).join(' '));
  const conditions = facts.conditions.map((c) => c.name || c.codes.map((x) => x.code).join(', '));
  const medicines = facts.medicines.map((m) => [m.name, m.dosage].filter(Boolean).join(' · '));
  return el('dl', { class: 'facts', 'data-facts': '' },
    el('dt', {}, t('patient')), el('dd', { 'data-fact': 'patient' }, patientLine(facts.patient)),
    el('dt', {}, t('allergies')), el('dd', { 'data-fact': 'allergies' }, listOf(allergies)),
    el('dt', {}, t('active_conditions')), el('dd', { 'data-fact': 'conditions' }, listOf(conditions)),
    el('dt', {}, t('current_medicines')), el('dd', { 'data-fact': 'medicines' }, listOf(medicines)),
    facts.incomplete.length ? el('dd', { class: 'warn' }, t('facts_incomplete', { what: facts.incomplete.join(', ') }))
      : null,
    el('dd', { class: 'hint' }, t('facts_gathered', { when: fmtTime(facts.gathered_at) })));
}

function flagRow(prescriptionId, flag, onDecide) {
  const reasonId = `flag-reason-${prescriptionId}-${flag.number}`;
  const decided = flag.decision;
  const head = el('div', {},
    el('span', { class: `badge severity-${flag.severity}` }, t(`severity_${flag.severity}`, {}, flag.severity)), ' ',
    el('strong', {}, t(`flag_${flag.code}`, {}, flag.code)),
    flag.item_position === null || flag.item_position === undefined ? '' : ` · ${t('item_n', { n: flag.item_position + 1 })}`);
  const source = flag.citation ? el('p', { class: 'hint' }, `${t('source')}: `,
    flag.citation.url ? el('a', { href: flag.citation.url, target: '_blank', rel: 'noopener' }, flag.citation.source)
      : flag.citation.source) : null;
  const outcome = decided
    ? el('p', { class: 'decision' }, t(`flag_${decided.decision}`), decided.reason ? ` · ${decided.reason}` : '')
    : el('div', { class: 'row' },
      el('button', { type: 'button', 'data-decide': 'uphold', onclick: (e) => onDecide(flag, 'uphold', null, e.currentTarget) },
        t('flag_uphold')),
      el('label', { class: 'visually-hidden', for: reasonId }, t('override_reason')),
      el('input', { id: reasonId, placeholder: t('override_reason'), maxlength: 1000 }),
      el('button', { type: 'button', 'data-decide': 'override',
        onclick: (e) => onDecide(flag, 'override', document.getElementById(reasonId).value, e.currentTarget) },
      t('flag_override')));
  return el('li', { 'data-flag': flag.number, 'data-decision': decided ? decided.decision : 'undecided' },
    head, el('p', {}, flag.reason), source, outcome);
}

// One review item as a list entry; `actions` = { decide(flag, decision, reason, button), review(decision, button) }.
export function reviewEntry(item, actions) {
  const p = item.prescription;
  const flags = item.flags || [];
  const upheld = flags.some((f) => f.decision && f.decision.decision === 'upheld');
  return el('li', { 'data-prescription': p.id, 'data-approvable': String(item.approvable) },
    el('div', {}, fmtTime(p.issued_at), ' ', statusBadge(p.status)),
    el('ul', { class: 'items' }, ...p.items.map((i) => el('li', {},
      `${i.display || i.code} · ${i.dose}, ${i.frequency}, ${i.route} · ×${i.quantity} (${i.days_supply} d)`))),
    factsSection(item.facts),
    flags.length
      ? el('ul', { class: 'flags', 'aria-label': t('flags') }, ...flags.map((f) => flagRow(p.id, f, actions.decide)))
      : el('p', { class: 'hint', 'data-no-flags': '' }, t('no_flags')),
    item.approvable ? null : el('p', { class: 'hint' }, t(upheld ? 'approve_blocked' : 'approve_needs_decisions')),
    el('button', { type: 'button', class: 'primary', disabled: !item.approvable,
      onclick: (e) => actions.review('approve', e.currentTarget) }, t('approve')),
    el('label', { class: 'visually-hidden', for: `reject-${p.id}` }, t('reject_reason')),
    el('input', { id: `reject-${p.id}`, placeholder: t('reject_reason'), maxlength: 1000 }),
    el('button', { type: 'button', onclick: (e) => actions.review('reject', e.currentTarget) }, t('reject')));
}
