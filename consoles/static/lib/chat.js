// The consultation panel of the patient and doctor consoles: join (with replay after last_seq),
// chat merged by seq (a message may arrive both live and in history), typing, attachments, video.
import { api, guarded, saveFile, showProblem } from './api.js';
import { onLanguageChange, t } from './i18n.js';
import { emitAck } from './socket.js';
import { $, announce, clientId, el, fmtTime } from './ui.js';
import { VideoCall } from './video.js';

export class ConsultPanel {
  constructor({ socket, me, onEnded }) {
    this.socket = socket;
    this.me = me;
    this.onEnded = onEnded || (() => {});
    this.cid = null;
    this.messages = new Map();
    this.video = new VideoCall(this);
    this.typingTimer = null;
    const mine = (handler) => (data) => { if (data && data.consultation_id === this.cid) handler(data); };
    socket.on('history', mine((data) => this.merge(data.messages)));
    socket.on('message', mine((data) => { this.merge([data]); if (data.sender_user_id !== me.id) announce(t('new_message')); }));
    socket.on('typing', mine((data) => { $('typing').textContent = data.typing ? t('peer_typing') : ''; }));
    socket.on('peer_joined', mine((data) => this.setStatus('peer_joined', { role: t(`role_${data.role}`) })));
    socket.on('peer_rejoined', mine((data) => this.setStatus('peer_joined', { role: t(`role_${data.role}`) })));
    socket.on('peer_left', mine((data) => this.setStatus('peer_left', { role: t(`role_${data.role}`) })));
    socket.on('consultation_started', mine(() => this.setStatus('consult_active')));
    socket.on('consultation_ended', mine((data) => this.ended(data)));
    socket.on('signal', mine((data) => this.video.onSignal(data)));
    socket.on('connect', () => { if (this.cid) this.join().catch((err) => showProblem('chat-error', err)); });
    $('chat-form').addEventListener('submit', (event) => { event.preventDefault(); this.sendText(); });
    $('chat-text').addEventListener('input', () => this.typing());
    $('attach-form').addEventListener('submit', (event) => { event.preventDefault(); this.upload(); });
    onLanguageChange(() => this.render());
  }

  get lastSeq() { return Math.max(0, ...this.messages.keys()); }

  setStatus(key, vars) { $('consult-status').textContent = t(key, vars); }

  async open(consultationId) {
    if (this.cid !== consultationId) { this.cid = consultationId; this.messages.clear(); this.render(); }
    // Shown only once joined: the server handles each event in its own thread, so a message sent
    // before the join's answer could be refused as "not joined".
    await this.join();
    $('consult').hidden = false;
    $('chat-form').hidden = false;
    $('attach-form').hidden = false;
    $('consult').scrollIntoView({ block: 'start' });
    $('chat-text').focus();
  }

  async join() {
    const ack = await emitAck(this.socket, 'join', { consultation_id: this.cid, last_seq: this.lastSeq });
    this.role = ack.role;
    document.body.dataset.joined = this.cid;
    this.setStatus(ack.consultation.status === 'active' ? 'consult_active' : 'consult_waiting');
    return ack;
  }

  merge(list) {
    for (const message of list || []) this.messages.set(message.seq, message);
    this.render();
  }

  render() {
    const items = [...this.messages.values()].sort((a, b) => a.seq - b.seq).map((m) => this.item(m));
    $('messages').replaceChildren(...items);
    const last = $('messages').lastElementChild;
    if (last) last.scrollIntoView({ block: 'nearest' });
  }

  item(message) {
    const own = message.sender_user_id === this.me.id;
    const who = own ? t('you') : t(`role_${message.sender_role}`, {}, message.sender_role);
    const body = message.text !== null && message.text !== undefined ? el('span', { class: 'text' }, message.text)
      : el('button', { type: 'button', class: 'link', onclick: () => this.download(message.attachment_id) },
        t('download_attachment'));
    return el('li', { class: own ? 'own' : 'peer', 'data-seq': message.seq, 'data-role': message.sender_role },
      el('span', { class: 'who' }, who), body, el('time', { datetime: message.created_at }, fmtTime(message.created_at, false)));
  }

  // Send a message; after a reconnect the server may not know us in the room yet: join again, retry once
  // (the same client_id, so the server stores it once whatever happened).
  async post(body) {
    const payload = { consultation_id: this.cid, client_id: clientId(), ...body };
    try {
      return await emitAck(this.socket, 'message', payload);
    } catch (err) {
      if (!err.body || err.body.code !== 'not_joined') throw err;
      await this.join();
      return emitAck(this.socket, 'message', payload);
    }
  }

  async sendText() {
    const input = $('chat-text');
    const text = input.value.trim();
    if (!text) return;
    await guarded('chat-error', async () => {
      await this.post({ text });
      input.value = '';
      this.typing(false);
    });
  }

  typing(active = true) {
    clearTimeout(this.typingTimer);
    if (!this.cid) return;
    if (active && !this.typingSent) {
      this.typingSent = true;
      this.socket.emit('typing', { consultation_id: this.cid, typing: true });
    }
    const stop = () => { this.typingSent = false; this.socket.emit('typing', { consultation_id: this.cid, typing: false }); };
    if (active) this.typingTimer = setTimeout(stop, 2500); else if (this.typingSent) stop();
  }

  async upload() {
    const input = $('attach-file');
    if (!input.files.length) return;
    await guarded('chat-error', async () => {
      const form = new FormData();
      form.append('file', input.files[0]);
      const stored = await api(`/api/v1/consultations/${this.cid}/attachments`, { method: 'POST', form });
      await this.post({ attachment_id: stored.id });
      input.value = '';
    }, $('attach-form').querySelector('button'));
  }

  async download(attachmentId) {
    await guarded('chat-error', () => saveFile(`/api/v1/consultations/${this.cid}/attachments/${attachmentId}`,
      attachmentId));
  }

  ended(data) {
    this.setStatus('consult_ended');
    this.video.hangup(false);
    $('chat-form').hidden = true;
    $('attach-form').hidden = true;
    announce(t('consult_ended'));
    this.onEnded(data);
  }
}
