// The patient's prescriptions (found through /fhir MedicationRequest, read through the app API) and
// the orders that fill them, refreshed when a prescription.* or order.* notification arrives.
import { api, guarded } from './lib/api.js';
import { currentUser } from './lib/auth.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el, fmtTime, statusBadge } from './lib/ui.js';

const ORDERS_KEY = 'cloud-hospital.patient.orders';
// Where the demo patient is (Haishu, Ningbo): the pharmacy nearest with stock gets the order.
const DEMO_LOCATION = { lat: 29.8720, lon: 121.5440 };
let rendered = [];

export function rememberOrder(orderId) {
  const known = new Set(JSON.parse(localStorage.getItem(ORDERS_KEY) || '[]'));
  known.add(orderId);
  localStorage.setItem(ORDERS_KEY, JSON.stringify([...known].slice(-50)));
}

async function knownOrders() {
  const ids = JSON.parse(localStorage.getItem(ORDERS_KEY) || '[]');
  const orders = await Promise.all(ids.map((id) => api(`/api/v1/orders/${id}`).catch(() => null)));
  return orders.filter(Boolean);
}

export async function loadMedicine() {
  const me = currentUser();
  await guarded('rx-error', async () => {
    const bundle = await api(`/fhir/MedicationRequest?patient=${encodeURIComponent(me.patient_id)}&_count=50`);
    const ids = [...new Set((bundle.entry || []).map((e) => e.resource.groupIdentifier && e.resource.groupIdentifier.value)
      .filter(Boolean))];
    const [prescriptions, orders] = await Promise.all([
      Promise.all(ids.map((id) => api(`/api/v1/prescriptions/${id}`))), knownOrders()]);
    prescriptions.sort((a, b) => (a.issued_at < b.issued_at ? 1 : -1));
    rendered = prescriptions.map((p) => ({ prescription: p,
      order: orders.filter((o) => o.prescription_id === p.id).sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0] }));
    render();
  });
}

function render() {
  const items = rendered.map(({ prescription, order }) => el('li', { 'data-prescription': prescription.id, 'data-status': prescription.status },
    el('div', {}, el('strong', {}, t('prescription')), ' ', fmtTime(prescription.issued_at), ' ', statusBadge(prescription.status)),
    el('ul', { class: 'items' }, ...prescription.items.map((i) => el('li', {},
      `${i.display || i.code} · ${i.dose}, ${i.frequency}, ${i.route} · ×${i.quantity}`))),
    prescription.review && prescription.review.reason ? el('p', { class: 'warn' }, prescription.review.reason) : null,
    order ? orderView(order) : actions(prescription)));
  $('rx-list').replaceChildren(...(items.length ? items : [el('li', {}, t('no_prescriptions'))]));
}

function orderView(order) {
  return el('div', { class: 'order', 'data-order': order.id, 'data-order-status': order.status },
    el('span', {}, `${t('order')}: `), statusBadge(order.status), ' ',
    order.pharmacy ? el('span', {}, `${order.pharmacy.name} · ${order.pharmacy.address}`) : null,
    order.status === 'unroutable' ? el('button', { type: 'button', onclick: (e) => retry(order, e.currentTarget) }, t('retry')) : null);
}

function actions(prescription) {
  if (prescription.status !== 'approved') return el('p', { class: 'hint' }, t('rx_waiting_review'));
  return el('div', { class: 'row' }, el('span', {}, t('get_medicine')),
    el('button', { type: 'button', onclick: (e) => fulfil(prescription, 'pickup', e.currentTarget) }, t('mode_pickup')),
    el('button', { type: 'button', onclick: (e) => fulfil(prescription, 'delivery', e.currentTarget) }, t('mode_delivery')));
}

function fulfil(prescription, mode, button) {
  guarded('rx-error', async () => {
    const body = { mode, location: DEMO_LOCATION };
    if (mode === 'delivery') body.address = '宁波市海曙区中山西路 (demo)';
    const order = await api(`/api/v1/prescriptions/${prescription.id}/fulfilment`, { method: 'POST', body });
    rememberOrder(order.id);
    announce(t('order_created'));
    await loadMedicine();
  }, button);
}

function retry(order, button) {
  guarded('rx-error', async () => { await api(`/api/v1/orders/${order.id}/retry`, { method: 'POST' }); await loadMedicine(); }, button);
}

onLanguageChange(() => render());
