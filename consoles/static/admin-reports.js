// Reports: waiting times (the table by the chosen grouping; charts by day and by institution), room
// utilisation (chart and table), the rooms now, and the risk-control decision log.
import { api, apiAll, guarded, reasonText } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, el, fmtTime, localDate } from './lib/ui.js';
import { barChart } from './admin-charts.js';

const ZONE_OFFSET = '+08:00'; // the demo institutions are in Ningbo (Asia/Shanghai, no daylight saving)
const state = { waiting: [], byDay: [], byInstitution: [], utilisation: [], rooms: [], decisions: [] };

export async function initReports() {
  $('from').value = localDate('Asia/Shanghai', new Date(Date.now() - 6 * 86400000));
  $('to').value = localDate();
  $('window-form').addEventListener('submit', (event) => { event.preventDefault(); loadReports(event.submitter); });
  onLanguageChange(render);
  await Promise.all([loadReports(), loadDecisions()]);
}

function windowQuery() {
  const end = new Date(`${$('to').value}T00:00:00${ZONE_OFFSET}`);
  end.setUTCDate(end.getUTCDate() + 1); // the "to" day is included
  return `from=${encodeURIComponent(`${$('from').value}T00:00:00${ZONE_OFFSET}`)}&to=${encodeURIComponent(end.toISOString())}`;
}

function loadReports(button) {
  return guarded('report-error', async () => {
    const query = windowQuery();
    const waiting = (group) => apiAll(`/api/v1/reports/waiting-times?${query}&group_by=${group}`);
    [state.waiting, state.byDay, state.byInstitution, state.utilisation, state.rooms] = await Promise.all([
      waiting($('group-by').value), waiting('day'), waiting('institution'),
      apiAll(`/api/v1/reports/room-utilisation?${query}`), apiAll('/api/v1/rooms')]);
    render();
  }, button);
}

function loadDecisions() {
  return guarded('risk-error', async () => {
    state.decisions = (await api('/api/v1/risk/decisions?limit=50')).items;
    render();
  });
}

const empty = (columns, key) => [el('tr', {}, el('td', { colspan: columns }, t(key)))];

function renderCharts() {
  const minutes = (rows) => rows.map((r) => ({ label: r.name, value: r.average_wait_minutes }));
  barChart($('chart-wait-day'), t('chart_wait_day'), minutes([...state.byDay].sort((a, b) => a.key.localeCompare(b.key))));
  barChart($('chart-wait-institution'), t('chart_wait_institution'), minutes(state.byInstitution));
  barChart($('chart-util'), t('chart_util'), state.utilisation.map((r) => ({ label: `${r.room_name} ${r.date}`,
    value: Math.round(r.busy_share * 100) })), '%');
}

function render() {
  renderCharts();
  const waiting = state.waiting.map((r) => el('tr', { 'data-key': r.key }, el('td', {}, r.name), el('td', {}, r.consultations),
    el('td', {}, r.average_wait_minutes), el('td', {}, r.median_wait_minutes)));
  $('waiting-rows').replaceChildren(...(waiting.length ? waiting : empty(4, 'report_empty')));
  const util = state.utilisation.map((r) => el('tr', { 'data-room': r.room_id }, el('td', {}, r.room_name), el('td', {}, r.date),
    el('td', {}, r.consultations), el('td', {}, r.busy_minutes), el('td', {}, `${Math.round(r.busy_share * 100)}%`)));
  $('util-rows').replaceChildren(...(util.length ? util : empty(5, 'report_empty')));
  $('room-list').replaceChildren(...state.rooms.map((r) => el('li', { 'data-room': r.id, 'data-status': r.status },
    el('strong', {}, r.name), el('span', { class: 'badge' }, t(`room_${r.status}`, {}, r.status)),
    r.busy ? el('span', { class: 'badge status-in_consultation' }, t('status_in_consultation')) : null)));
  $('risk-rows').replaceChildren(...state.decisions.map((d) => el('tr', { 'data-decision': d.decision },
    el('td', {}, fmtTime(d.at)), el('td', {}, d.checkpoint),
    el('td', {}, el('span', { class: `badge decision-${d.decision}` }, d.decision)),
    el('td', {}, el('ul', {}, ...(d.reasons || []).map((r) => el('li', {}, reasonText(r))))))));
}
