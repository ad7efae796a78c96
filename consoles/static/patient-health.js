// Patient app, chronic care at home: my follow-up plans (the next visit, online or in person after the last
// re-check), a home reading (blood pressure, glucose, weight) sent to the care team, and my readings in brief
// with a trend of the last ones. An out-of-range reading says which rule told the doctor.
import { api, guarded } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el, fmtTime } from './lib/ui.js';

const KINDS = { 'blood-pressure': ['systolic', 'diastolic'], glucose: ['value'], weight: ['value'] };
const TREND_POINTS = 20;
const state = { plans: [], summary: [], trend: [], alerts: [] };

export async function initHealth() {
  $('reading-kind').addEventListener('change', showFields);
  $('reading-form').addEventListener('submit', sendReading);
  onLanguageChange(render);
  showFields();
  await Promise.all([loadPlans(), loadReadings()]);
}

async function loadPlans() {
  const active = (await api('/api/v1/care-plans?status=active&limit=20')).items;
  state.plans = await Promise.all(active.map((plan) => api(`/api/v1/care-plans/${plan.id}`)));  // + next visit
  render();
}

async function loadReadings() {
  const [summary, trend] = await Promise.all([api('/api/v1/measurements/summary'),
    api(`/api/v1/measurements?code=blood-pressure&limit=${TREND_POINTS}`)]);
  state.summary = summary.codes || [];
  state.trend = trend.items.slice().reverse();  // oldest first, left to right
  render();
}

function showFields() {
  const wanted = KINDS[$('reading-kind').value];
  for (const field of ['systolic', 'diastolic', 'value']) {
    const label = $(`reading-${field}`).closest('label');
    label.hidden = !wanted.includes(field);
    $(`reading-${field}`).required = wanted.includes(field);
  }
  $('reading-unit').textContent = t(`unit_${$('reading-kind').value.replace('-', '_')}`);
}

function sendReading(event) {
  event.preventDefault();
  const form = event.currentTarget;
  guarded('reading-error', async () => {
    const code = $('reading-kind').value;
    const body = { code, method: 'manual-entry' };
    for (const field of KINDS[code]) body[field] = Number($(`reading-${field}`).value);
    const saved = await api('/api/v1/measurements', { method: 'POST', body });
    state.alerts = saved.alerts || [];
    form.reset();
    $('reading-kind').value = code;
    showFields();
    announce(state.alerts.length ? t('reading_alerted') : t('reading_saved'));
    await loadReadings();
  }, form.querySelector('button[type=submit]'));
}

const ORDER = ['systolic', 'diastolic', 'value'];
const number = (values) => ORDER.filter((k) => values && k in values).map((k) => Math.round(values[k] * 10) / 10).join('/');
const UNIT_WORDS = { 'mm[Hg]': 'mmHg', '[lb_av]': 'lb' };  // UCUM codes as people write them

function render() {
  $('plan-list').replaceChildren(...(state.plans.length ? state.plans.map(planItem) : [el('li', {}, t('no_plans'))]));
  $('reading-status').replaceChildren(...state.alerts.map((a) => el('p', { class: 'warn', 'data-rule': a.rule_id },
    t('reading_alert', { reason: a.reason }))));
  $('reading-rows').replaceChildren(...state.summary.map((s) => el('tr', { 'data-code': s.code },
    el('th', { scope: 'row' }, t(`kind_${s.code.replace('-', '_')}`, {}, s.code)), el('td', {}, `${number(s.last)} ${UNIT_WORDS[s.unit] || s.unit}`),
    el('td', {}, fmtTime(s.last_at)), el('td', {}, number(s.avg)), el('td', {}, `${number(s.min)} – ${number(s.max)}`),
    el('td', {}, s.count))));
  $('bp-trend').replaceChildren(trendChart());
}

function planItem(plan) {
  const next = plan.next_visit;
  const when = next ? t('next_follow_up', { date: next.due_on, mode: t(`mode_${next.mode || 'online'}`) }) : '';
  return el('li', { 'data-plan': plan.id, 'data-template': plan.template }, el('strong', {}, plan.title),
    el('span', {}, t('every_days', { days: plan.visit_every_days })), el('span', {}, when));
}

// Systolic and diastolic of the last readings as two polylines, with the 140/90 lines the plans alert at.
function trendChart() {
  const points = state.trend;
  if (points.length < 2) return el('p', { class: 'hint' }, t('trend_needs_two'));
  const width = 320; const height = 120; const low = 40; const high = 200;
  const x = (i) => 10 + (i * (width - 20)) / (points.length - 1);
  const y = (v) => height - 10 - ((Math.min(high, Math.max(low, v)) - low) * (height - 20)) / (high - low);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const last = points[points.length - 1].values;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('trend_label', { count: points.length, last: `${last.systolic}/${last.diastolic}` }));
  const line = ({ tag, ...attrs }) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    svg.append(node);
  };
  for (const limit of [140, 90]) line({ tag: 'line', x1: 10, x2: width - 10, y1: y(limit), y2: y(limit), class: 'limit' });
  for (const field of ['systolic', 'diastolic']) {
    line({ tag: 'polyline', class: `trend-${field}`, fill: 'none',
      points: points.map((p, i) => `${x(i)},${y(p.values[field])}`).join(' ') });
  }
  return svg;
}
