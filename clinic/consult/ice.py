"""The ICE servers a consultation's video call uses: STUN/TURN from the configuration, and short-lived TURN
credentials made for the participant who asks.

Without a relay, two browsers behind NATs or firewalls often cannot reach each other; TURN relays the
media. Credentials follow the TURN REST API (draft-uberti-behave-turn-rest-00, what coturn's
`use-auth-secret` / `static-auth-secret` checks): the username is "<expiry unix time>:<user id>" and the
password base64(HMAC-SHA1(TURN_SECRET, username)), so the TURN server verifies them without calling us
and they stop working at the expiry. The secret never leaves the server.

Settings: ICE_SERVERS (JSON list of RTCIceServer objects without credentials, e.g. public STUN),
TURN_URLS (comma-separated turn:/turns: URLs), TURN_SECRET, TURN_CREDENTIAL_TTL_SECONDS.
"""
import base64
import hashlib
import hmac
import json
from datetime import timedelta

from flask import current_app

from clinic.consult.access import consultation_for
from clinic.consult.models import LIVE_STATUSES
from core import clock
from core.config import ConfigError
from core.errors import ApiError

DEFAULT_TTL_SECONDS = 3600
_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


def parse_ice_servers(raw):
    """ICE_SERVERS as a list of {"urls": [...]} (a JSON string or an already parsed list); ConfigError otherwise."""
    if raw in (None, ""):
        return []
    try:
        servers = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise ConfigError('ICE_SERVERS must be a JSON list such as [{"urls": ["stun:stun.example.org:3478"]}].') from None
    if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
        raise ConfigError("ICE_SERVERS must be a JSON list of objects with urls.")
    return [{**server, "urls": _urls(server.get("urls"), "ICE_SERVERS")} for server in servers]


def parse_turn_urls(raw):
    """TURN_URLS as a list of turn:/turns: URLs (comma-separated string or list)."""
    urls = _urls([u.strip() for u in raw.split(",") if u.strip()] if isinstance(raw, str) else raw or [], "TURN_URLS")
    if any(not u.startswith(("turn:", "turns:")) for u in urls):
        raise ConfigError("TURN_URLS must list turn: or turns: URLs.")
    return urls


def _urls(urls, name):
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list) or not all(isinstance(u, str) and u.startswith(_SCHEMES) for u in urls):
        raise ConfigError(f"{name}: every urls entry must be a stun:, stuns:, turn: or turns: URL.")
    return urls


def check_settings(config):
    """Parse the ICE settings in place at start-up so a bad value stops the start with one line."""
    config["ICE_SERVERS"] = parse_ice_servers(config.get("ICE_SERVERS"))
    config["TURN_URLS"] = parse_turn_urls(config.get("TURN_URLS"))
    if config["TURN_URLS"] and not config.get("TURN_SECRET"):
        raise ConfigError("TURN_URLS is set but TURN_SECRET is not (the TURN server's static-auth-secret).")
    if int(config.get("TURN_CREDENTIAL_TTL_SECONDS") or 0) <= 0:
        raise ConfigError("TURN_CREDENTIAL_TTL_SECONDS must be a positive number of seconds.")


def turn_credential(secret, user_id, expires_at):
    """The TURN REST API username and password for `user_id` until `expires_at`."""
    username = f"{int(expires_at.timestamp())}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(actor, consultation_id):
    """The RTCPeerConnection iceServers for a participant of a live consultation, TURN credentials included."""
    consultation = consultation_for(actor, consultation_id, action="join")
    if consultation.status not in LIVE_STATUSES:
        raise ApiError(409, "consultation_over", "The consultation is over: no video call can start.")
    config = current_app.config
    servers = [dict(server) for server in config["ICE_SERVERS"]]
    expires_at = None
    if config["TURN_URLS"]:
        expires_at = clock.now() + timedelta(seconds=int(config["TURN_CREDENTIAL_TTL_SECONDS"]))
        username, credential = turn_credential(config["TURN_SECRET"], actor.user_id, expires_at)
        servers.append({"urls": list(config["TURN_URLS"]), "username": username, "credential": credential})
    return {"ice_servers": servers, "expires_at": expires_at}
