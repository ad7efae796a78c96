// Patient app, bills: what each booking or order costs (items in yuan), paying it through the provider's
// cashier (a QR code or a redirect at a real provider; the sandbox's cashier in the demo), the payment's
// state asked of the provider, refunds, and the receipt downloaded as a file.
import { api, guarded, saveFile } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el, fmtTime } from './lib/ui.js';

const state = { charges: [], payments: {} };
const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;

export async function initBills() {
  onLanguageChange(render);
  await loadBills();
}

export async function loadBills() {
  state.charges = (await api('/api/v1/charges?limit=20')).items;
  render();
}

function render() {
  $('bill-list').replaceChildren(...(state.charges.length ? state.charges.map(billItem) : [el('li', {}, t('no_bills'))]));
}

function billItem(charge) {
  const payment = state.payments[charge.id];
  const actions = [];
  if (charge.status === 'pending' && !payment) {
    actions.push(el('button', { type: 'button', class: 'primary', 'data-action': 'pay',
      onclick: (event) => startPayment(charge, event.currentTarget) }, t('pay_amount', { amount: yuan(charge.amount_fen) })));
  }
  if (payment && charge.status === 'pending') {
    actions.push(el('p', { class: 'hint' }, t('pay_with_qr', { code: payment.intent.qr_code })));
    if (payment.intent.redirect_url && payment.intent.redirect_url.startsWith('/sandbox/')) {
      actions.push(el('button', { type: 'button', 'data-action': 'sandbox-pay',
        onclick: (event) => sandboxPay(charge, event.currentTarget) }, t('sandbox_pay')));
    }
    actions.push(el('button', { type: 'button', 'data-action': 'check',
      onclick: (event) => checkPayment(charge, event.currentTarget) }, t('check_payment')));
  }
  if (charge.paid_fen > 0) {
    actions.push(el('button', { type: 'button', 'data-action': 'receipt',
      onclick: (event) => downloadReceipt(charge, event.currentTarget) }, t('receipt')));
  }
  const refunded = charge.refunded_fen ? el('span', {}, t('refunded_amount', { amount: yuan(charge.refunded_fen) })) : null;
  return el('li', { 'data-charge': charge.id, 'data-status': charge.status },
    el('strong', {}, `${t(`bill_${charge.source.split('/')[0]}`, {}, charge.source)} · ${yuan(charge.amount_fen)}`),
    el('span', { class: `badge status-${charge.status}` }, t(`bill_status_${charge.status}`, {}, charge.status)), refunded, el('span', { class: 'hint' }, fmtTime(charge.created_at)),
    el('ul', { class: 'items' }, ...(charge.items || []).map((item) => el('li', {},
      `${item.description} × ${item.quantity} · ${yuan(item.amount_fen)}`))), ...actions);
}

function startPayment(charge, button) {
  guarded('bills-error', async () => {
    state.payments[charge.id] = await api('/api/v1/payments', { method: 'POST', body: { charge_id: charge.id } });
    render();
  }, button);
}

// The demo's stand-in for the wallet app: the sandbox cashier takes the money; its notification follows.
function sandboxPay(charge, button) {
  guarded('bills-error', async () => {
    await api(state.payments[charge.id].intent.redirect_url, { method: 'POST' });
    await checkPayment(charge);
  }, button);
}

function checkPayment(charge, button) {
  return guarded('bills-error', async () => {
    const payment = await api(`/api/v1/payments/${state.payments[charge.id].id}/query`, { method: 'POST' });
    if (payment.status === 'paid') {
      delete state.payments[charge.id];
      announce(t('payment_done'));
    }
    await loadBills();
  }, button);
}

function downloadReceipt(charge, button) {
  guarded('bills-error', () => saveFile(`/api/v1/charges/${charge.id}/receipt`, `receipt-${charge.id}.txt`), button);
}
