// A one-to-one video call over WebRTC, signalled through the /consult `signal` event
// (offer / answer / ice / hangup, relayed by the server to the other participant only).
import { api } from './api.js';
import { t } from './i18n.js';
import { emitAck } from './socket.js';
import { $ } from './ui.js';

export class VideoCall {
  constructor(panel) {
    this.panel = panel;
    this.pc = null;
    this.stream = null;
    $('video-start').addEventListener('click', () => this.start());
    $('video-hangup').addEventListener('click', () => this.hangup(true));
  }

  status(key, vars) { $('video-status').textContent = t(key, vars); }

  send(type, payload) {
    return emitAck(this.panel.socket, 'signal', { consultation_id: this.panel.cid, type, payload })
      .catch((err) => this.status('video_failed', { reason: err.message }));
  }

  async localMedia() {
    if (this.stream) return this.stream;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.status('video_unsupported');
      return null;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      $('local-video').srcObject = this.stream;
      return this.stream;
    } catch (err) {
      this.status('camera_unavailable', { reason: err.message });
      return null;
    }
  }

  // The STUN/TURN servers of the deployment, with a TURN credential issued for this call (it expires, so it
  // is asked for each call). Without them the call still works on one network; across NATs it may not.
  async iceServers() {
    try {
      return (await api(`/api/v1/consultations/${this.panel.cid}/ice-servers`)).ice_servers;
    } catch (err) {
      this.status('video_no_relay', { reason: err.message });
      return [];
    }
  }

  async connection() {
    if (this.pc) return this.pc;
    if (typeof RTCPeerConnection !== 'function') { this.status('video_unsupported'); return null; }
    const iceServers = await this.iceServers();
    if (this.pc) return this.pc;  // an offer arrived while the servers were asked for
    const pc = new RTCPeerConnection({ iceServers });
    document.body.dataset.iceServers = String(iceServers.length);
    pc.onicecandidate = (event) => { if (event.candidate) this.send('ice', event.candidate.toJSON()); };
    pc.ontrack = (event) => { $('remote-video').srcObject = event.streams[0]; };
    pc.onconnectionstatechange = () => {
      // 'failed': no candidate pair got through (firewall or NAT without a relay): say so, not just "failed".
      this.status(pc.connectionState === 'failed' ? 'video_no_route' : `video_${pc.connectionState}`);
      document.body.dataset.video = pc.connectionState;
    };
    const stream = await this.localMedia();
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    else { pc.addTransceiver('video', { direction: 'recvonly' }); pc.addTransceiver('audio', { direction: 'recvonly' }); }
    this.pc = pc;
    $('video-hangup').disabled = false;
    return pc;
  }

  async start() {
    const pc = await this.connection();
    if (!pc) return;
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.status('video_calling');
    await this.send('offer', { type: offer.type, sdp: offer.sdp });
  }

  // Signals are handled one at a time, in arrival order. The server relays each event in its own thread,
  // so ICE candidates may overtake the offer or answer: they wait until the remote description is set.
  onSignal(signal) {
    this.chain = (this.chain || Promise.resolve()).then(() => this.handle(signal))
      .catch((err) => this.status('video_failed', { reason: err.message }));
    return this.chain;
  }

  async handle(signal) {
    if (signal.type === 'offer') {
      $('video-box').open = true;
      const pc = await this.connection();
      if (!pc) return;
      await pc.setRemoteDescription(signal.payload);
      await this.flushCandidates();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await this.send('answer', { type: answer.type, sdp: answer.sdp });
    } else if (signal.type === 'answer' && this.pc) {
      await this.pc.setRemoteDescription(signal.payload);
      await this.flushCandidates();
    } else if (signal.type === 'ice' && signal.payload) {
      this.pending = this.pending || [];
      this.pending.push(signal.payload);
      if (this.pc && this.pc.remoteDescription) await this.flushCandidates();
    } else if (signal.type === 'hangup') {
      this.hangup(false);
    }
  }

  async flushCandidates() {
    const waiting = this.pending || [];
    this.pending = [];
    for (const candidate of waiting) await this.pc.addIceCandidate(candidate);
  }

  hangup(tellPeer) {
    if (tellPeer && this.pc) this.send('hangup', null);
    if (this.pc) this.pc.close();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.pc = null;
    this.stream = null;
    this.pending = [];
    $('local-video').srcObject = null;
    $('remote-video').srcObject = null;
    $('video-hangup').disabled = true;
    this.status('video_ended');
    document.body.dataset.video = 'ended';
  }
}
