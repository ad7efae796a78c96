// Pharmacy console: the review queue with each item's patient facts and flags (platform reviewing
// pharmacists), offered orders with accept / decline and a countdown to the offer's deadline, the
// fulfilment steps, and the stock.
import { api, apiAll, guarded, showProblem } from './lib/api.js';
import { getToken } from './lib/auth.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { startConsole } from './lib/session.js';
import { connectConsult } from './lib/socket.js';
import { reviewEntry } from './pharmacy-review.js';
import { $, announce, el, fmtTime, statusBadge } from './lib/ui.js';

const POLL_MS = 10000;
// The next step of an order, by its status and mode: [endpoint, label].
const NEXT = {
  accepted: () => [['prepared', 'mark_prepared']],
  prepared: (o) => (o.mode === 'delivery' ? [['out-for-delivery', 'mark_out_for_delivery']] : [['picked-up', 'mark_picked_up']]),
  out_for_delivery: () => [['delivered', 'mark_delivered']],
};
const state = { me: null, reviews: null, orders: [], stock: [] };

startConsole({ roles: ['pharmacist'], onReady });

async function onReady(me) {
  state.me = me;
  connectConsult(getToken(), {
    notification: (note) => {
      announce(note.kind === 'order.offered' ? t('new_order') : note.title);
      loadOrders();
      loadReviews();
    },
  });
  $('refresh-orders').addEventListener('click', () => { loadOrders(); loadReviews(); });
  $('stock-form').addEventListener('submit', setStock);
  onLanguageChange(() => { renderReviews(); renderOrders(); renderStock(); });
  await Promise.all([loadReviews(), loadOrders(), loadStock()]);
  setInterval(() => { if (!document.hidden) { loadOrders(); loadReviews(); } }, POLL_MS);
  setInterval(tick, 1000);
}

// -- review ---------------------------------------------------------------------------------------------
// The queue, then each prescription's review item (the patient's facts and the automatic flags).
async function loadReviews() {
  try {
    const queue = (await api('/api/v1/reviews?limit=50')).items;
    state.reviews = await Promise.all(queue.map((p) => api(`/api/v1/prescriptions/${p.id}/review`)));
  } catch (err) {
    if (err.status === 403) { state.reviews = null; $('reviews').hidden = true; return; }
    showProblem('review-error', err);
    return;
  }
  $('reviews').hidden = false;
  renderReviews();
}

function renderReviews() {
  if (!state.reviews) return;
  const items = state.reviews.map((item) => reviewEntry(item, {
    decide: (flag, decision, reason, button) => decideFlag(item.prescription, flag, decision, reason, button),
    review: (decision, button) => review(item.prescription, decision, button),
  }));
  $('review-list').replaceChildren(...(items.length ? items : [el('li', {}, t('review_empty'))]));
}

function decideFlag(prescription, flag, decision, reason, button) {
  guarded('review-error', async () => {
    await api(`/api/v1/prescriptions/${prescription.id}/review/flags/${flag.number}`,
      { method: 'POST', body: { decision, reason: reason || null } });
    announce(t(decision === 'uphold' ? 'flag_upheld' : 'flag_overridden'));
    await loadReviews();
  }, button);
}

function review(prescription, decision, button) {
  const body = { decision };
  if (decision === 'reject') body.reason = $(`reject-${prescription.id}`).value || null;
  guarded('review-error', async () => {
    await api(`/api/v1/prescriptions/${prescription.id}/review`, { method: 'POST', body });
    announce(t(decision === 'approve' ? 'status_approved' : 'status_rejected'));
    await loadReviews();
  }, button);
}

// -- orders ---------------------------------------------------------------------------------------------
async function loadOrders() {
  if (!state.me.pharmacy_id) return;
  await guarded('order-error', async () => {
    state.orders = (await api('/api/v1/pharmacy/orders?limit=50')).items;
    renderOrders();
  });
}

function secondsLeft(order) {
  return order.offer_deadline ? Math.max(0, Math.round((new Date(order.offer_deadline) - Date.now()) / 1000)) : null;
}

function renderOrders() {
  const items = state.orders.map((o) => {
    const buttons = [];
    if (o.status === 'offered') {
      buttons.push(el('span', { class: 'countdown', 'data-deadline': o.offer_deadline, role: 'timer' }, t('time_left', { seconds: secondsLeft(o) })),
        el('button', { type: 'button', class: 'primary', onclick: (e) => act(o, 'accept', e.currentTarget) }, t('accept')),
        el('label', { class: 'visually-hidden', for: `decline-${o.id}` }, t('decline_reason')),
        el('input', { id: `decline-${o.id}`, placeholder: t('decline_reason'), maxlength: 500 }),
        el('button', { type: 'button', onclick: (e) => act(o, 'decline', e.currentTarget) }, t('decline')));
    }
    for (const [endpoint, label] of (NEXT[o.status] || (() => []))(o)) {
      buttons.push(el('button', { type: 'button', class: 'primary', onclick: (e) => act(o, endpoint, e.currentTarget) }, t(label)));
    }
    return el('li', { 'data-order': o.id, 'data-status': o.status },
      el('div', {}, el('strong', {}, `${t('order')} ${o.id.slice(0, 8)}`), ' ', statusBadge(o.status), ' ',
        `${t('mode')}: ${t(`mode_${o.mode}`)}`, ' · ', fmtTime(o.created_at)),
      el('ul', { class: 'items' }, ...o.items.map((i) => el('li', {}, `${i.display || i.code} ×${i.quantity}`))),
      o.address ? el('p', {}, o.address) : null, ...buttons);
  });
  $('order-list').replaceChildren(...(items.length ? items : [el('li', {}, t('orders_empty'))]));
}

function tick() {
  for (const node of document.querySelectorAll('.countdown[data-deadline]')) {
    const left = Math.max(0, Math.round((new Date(node.dataset.deadline) - Date.now()) / 1000));
    node.textContent = t('time_left', { seconds: left });
  }
}

function act(order, action, button) {
  const options = { method: 'POST' };
  if (action === 'decline') options.body = { reason: $(`decline-${order.id}`).value || 'unavailable' };
  guarded('order-error', async () => {
    await api(`/api/v1/pharmacy/orders/${order.id}/${action}`, options);
    await Promise.all([loadOrders(), loadStock()]);
  }, button);
}

// -- stock ----------------------------------------------------------------------------------------------
async function loadStock() {
  if (!state.me.pharmacy_id) return;
  await guarded('stock-error', async () => {
    state.stock = await apiAll(`/api/v1/pharmacies/${encodeURIComponent(state.me.pharmacy_id)}/stock?limit=200`);
    $('stock').hidden = state.stock.length === 0;
    renderStock();
  });
}

function renderStock() {
  const chosen = $('stock-code').value;
  $('stock-code').replaceChildren(...state.stock.map((s) => el('option', { value: s.code, selected: s.code === chosen }, `${s.code} ${s.name || ''}`)));
  $('stock-rows').replaceChildren(...state.stock.map((s) => el('tr', { 'data-code': s.code },
    el('td', {}, s.code), el('td', {}, s.name || ''), el('td', {}, s.on_hand), el('td', {}, s.reserved), el('td', {}, s.available))));
}

function setStock(event) {
  event.preventDefault();
  const form = event.currentTarget;
  guarded('stock-error', async () => {
    await api(`/api/v1/pharmacies/${encodeURIComponent(state.me.pharmacy_id)}/stock`, {
      method: 'PUT', body: { items: [{ code: form.code.value, on_hand: Number(form.on_hand.value) }] } });
    await loadStock();
    announce(t('stock_updated'));
  }, form.querySelector('button'));
}
