// Bearer-token storage (per console, per browser tab) and the shared login form.
const consoleName = document.body.dataset.console || 'app';
const TOKEN_KEY = `cloud-hospital.${consoleName}.token`;
const ME_KEY = `cloud-hospital.${consoleName}.me`;

export function getToken() { return sessionStorage.getItem(TOKEN_KEY); }
export function currentUser() {
  const raw = sessionStorage.getItem(ME_KEY);
  return raw ? JSON.parse(raw) : null;
}
export function saveSession(token, me) {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(ME_KEY, JSON.stringify(me));
}
export function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ME_KEY);
}
