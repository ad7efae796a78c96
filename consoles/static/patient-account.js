// Patient app, logged out: create an account with the phone's one-time code, or set a new password with one.
// Neither answer says whether the phone has an account (the API's rule); after sign-up the login form logs in.
import { api, guarded } from './lib/api.js';
import { t } from './lib/i18n.js';
import { $, announce } from './lib/ui.js';

export function initAccountHelp() {
  if (!$('signup-form')) return;
  $('signup-send-code').addEventListener('click', (event) => sendCode('signup', '/api/v1/auth/phone-codes', event.currentTarget));
  $('forgot-send-code').addEventListener('click', (event) => sendCode('forgot', '/api/v1/auth/password-codes', event.currentTarget));
  $('signup-form').addEventListener('submit', signUp);
  $('forgot-form').addEventListener('submit', resetPassword);
}

function sendCode(prefix, path, button) {
  guarded(`${prefix}-error`, async () => {
    const answer = await api(path, { method: 'POST', body: { phone: $(`${prefix}-phone`).value.trim() } });
    const text = t('code_sent', { minutes: Math.round(answer.expires_in / 60), seconds: answer.resend_after });
    $(`${prefix}-code-status`).textContent = text;
    announce(text);
    $(`${prefix}-code`).focus();
  }, button);
}

function signUp(event) {
  event.preventDefault();
  const form = event.currentTarget;
  guarded('signup-error', async () => {
    const body = { phone: form.phone.value.trim(), code: form.code.value.trim(), name: form.name.value.trim(),
      id_number: form.id_number.value.trim(), password: form.password.value };
    await api('/api/v1/auth/register', { method: 'POST', body });
    announce(t('signed_up'));
    logIn(body.phone, body.password);
  }, form.querySelector('button[type=submit]'));
}

function resetPassword(event) {
  event.preventDefault();
  const form = event.currentTarget;
  guarded('forgot-error', async () => {
    const phone = form.phone.value.trim();
    await api('/api/v1/auth/password-reset', { method: 'POST',
      body: { phone, code: form.code.value.trim(), password: form.password.value } });
    form.reset();
    $('forgot').open = false;
    $('forgot-code-status').textContent = '';
    $('username').value = phone;
    $('password').value = '';
    $('password').focus();
    $('account-status').textContent = t('password_set');
  }, form.querySelector('button[type=submit]'));
}

function logIn(phone, password) {
  $('username').value = phone;
  $('password').value = password;
  $('login-form').requestSubmit();
}
