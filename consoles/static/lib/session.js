// Start-up shared by every console: language, login form, "who am I", logout, socket connection.
import { api, guarded, leavePage } from './api.js';
import { clearSession, currentUser, getToken, saveSession } from './auth.js';
import { initLanguage, t } from './i18n.js';
import { $, announce } from './ui.js';

// `roles`: who may use this console; `onReady(me)` runs after login (or at once when a token is kept).
export function startConsole({ roles, onReady }) {
  initLanguage();
  const form = $('login-form');
  const app = $('app');
  const ready = async (me) => {
    $('login').hidden = true;
    for (const node of document.querySelectorAll('[data-logged-out]')) node.hidden = true;  // sign-up, reset
    app.hidden = false;
    $('who').textContent = `${me.name} · ${t(`role_${me.role}`, {}, me.role)}`;
    $('logout').hidden = false;
    $('main').focus();  // keyboard and screen-reader users start at the top of the console
    await onReady(me);
  };
  $('logout').addEventListener('click', async () => {
    leavePage();
    try { await api('/api/v1/auth/logout', { method: 'POST', last: true }); } catch { /* the token may be gone already */ }
    clearSession();
    location.reload();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    guarded('login-error', async () => {
      const answer = await api('/api/v1/auth/token', {
        method: 'POST', body: { username: form.username.value.trim(), password: form.password.value } });
      saveSession(answer.access_token, {});
      const me = await api('/api/v1/me');
      if (roles && !roles.includes(me.role)) {
        await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => {});  // revoke the token we will not use
        clearSession();
        throw Object.assign(new Error(t('wrong_console', { role: t(`role_${me.role}`, {}, me.role) })),
          { title: t('forbidden'), status: 403 });
      }
      saveSession(answer.access_token, me);
      announce(t('logged_in_as', { name: me.name }));
      await ready(me);
    }, button);
  });
  const me = currentUser();
  if (getToken() && me && me.role) {
    api('/api/v1/me').then(ready, () => { clearSession(); form.username.focus(); });
  }
}
