// Staff accounts: the list (by role, a page at a time), creating a doctor (linked to a practitioner), a
// pharmacist (linked to a pharmacy) or an admin, and deactivating / reactivating an account.
import { api, guarded } from './lib/api.js';
import { onLanguageChange, t } from './lib/i18n.js';
import { $, announce, el } from './lib/ui.js';
import { textFields } from './admin-store.js';

const PAGE = 20;
const LINK = { doctor: 'practitioner_id', pharmacist: 'pharmacy_id' };
const state = { me: null, users: [], next: null, total: null };

export function initUsers(me) {
  state.me = me;
  $('user-filter-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadUsers(event.submitter);
  });
  $('users-more').addEventListener('click', (event) => loadUsers(event.currentTarget, true));
  $('new-role').addEventListener('change', showLinkField);
  $('user-form').addEventListener('submit', createUser);
  onLanguageChange(render);
  showLinkField();
  return loadUsers();
}

function loadUsers(button, more = false) {
  return guarded('users-error', async () => {
    const role = $('user-role-filter').value;
    const page = await api(more ? state.next : `/api/v1/admin/users?limit=${PAGE}${role ? `&role=${role}` : ''}`);
    state.users = more ? [...state.users, ...page.items] : page.items;
    state.next = page.next;
    render();
  }, button);
}

// Only the link the chosen role needs is shown (and required).
function showLinkField() {
  const role = $('new-role').value;
  for (const label of document.querySelectorAll('#user-form [data-link]')) {
    const needed = label.dataset.link === role;
    label.hidden = !needed;
    label.querySelector('input').required = needed;
  }
}

function createUser(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const role = form.elements.role.value;
  const body = { role, ...textFields(form, ['username', 'name', ...(LINK[role] ? [LINK[role]] : [])]),
    password: form.elements.password.value };
  guarded('user-error', async () => {
    const user = await api('/api/v1/admin/users', { method: 'POST', body });
    state.users = [user, ...state.users.filter((u) => u.id !== user.id)];
    render();
    form.reset();
    showLinkField();
    const done = t('user_created', { username: user.username });
    $('user-error').append(el('p', { class: 'ok', role: 'status' }, done));
    announce(done);
  }, form.querySelector('button[type=submit]'));
}

function setActive(user, active, button) {
  guarded('users-error', async () => {
    const changed = await api(`/api/v1/admin/users/${user.id}`, { method: 'PATCH', body: { is_active: active } });
    state.users = state.users.map((u) => (u.id === changed.id ? changed : u));
    render();
    announce(t(active ? 'user_reactivated' : 'user_deactivated', { username: changed.username }));
  }, button);
}

function row(user) {
  const link = user.practitioner_id || user.pharmacy_id || user.patient_id || '—';
  const action = user.id === state.me.id ? el('span', { class: 'hint' }, t('you'))
    : el('button', { type: 'button', 'data-action': user.is_active ? 'deactivate' : 'reactivate',
      'aria-label': `${t(user.is_active ? 'deactivate' : 'reactivate')} ${user.username}`,
      onclick: (event) => setActive(user, !user.is_active, event.currentTarget) },
    t(user.is_active ? 'deactivate' : 'reactivate'));
  return el('tr', { 'data-user': user.id, 'data-username': user.username, 'data-active': String(user.is_active) },
    el('td', {}, user.username), el('td', {}, user.name), el('td', {}, t(`role_${user.role}`, {}, user.role)),
    el('td', {}, link),
    el('td', {}, el('span', { class: `badge ${user.is_active ? 'status-approved' : 'status-cancelled'}` },
      t(user.is_active ? 'active' : 'inactive'))),
    el('td', {}, action));
}

function render() {
  const rows = state.users.map(row);
  $('user-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6 }, t('users_empty')))]));
  $('users-more').hidden = !state.next;
}
