// The /consult Socket.IO connection with the official client (window.io from /app/vendor/socket.io.min.js).
import { t } from './i18n.js';
import { banner } from './ui.js';

export function socketAvailable() {
  if (typeof window.io === 'function') return true;
  banner(window.SOCKET_IO_MISSING || t('socketio_missing'));
  return false;
}

// Connect with the bearer token; `handlers` maps event names to functions. Returns the socket or null.
export function connectConsult(token, handlers = {}) {
  if (!socketAvailable()) return null;
  const socket = window.io('/consult', { auth: { token }, reconnectionDelayMax: 5000 });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
  socket.on('connect_error', (err) => banner(`${t('socket_error')}: ${err.message}`));
  socket.on('connect', () => { banner(''); document.body.dataset.socket = 'connected'; });
  socket.on('disconnect', () => { document.body.dataset.socket = 'disconnected'; });
  return socket;
}

// Emit with an acknowledgement; resolves with the ack, rejects on timeout or {ok: false}.
export function emitAck(socket, event, data, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, data, (err, ack) => {
      if (err) reject(Object.assign(new Error(t('socket_timeout', { event })), { title: event }));
      else if (ack && ack.ok === false) {
        const error = ack.error || {};
        reject(Object.assign(new Error(error.message || event), { title: error.code || event, body: error }));
      } else resolve(ack);
    });
  });
}
