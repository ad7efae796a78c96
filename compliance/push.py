"""Pushing the feed to each endpoint: every entry once per endpoint (retried until it is acknowledged), in feed
order within a trace, signed; a delivery that keeps failing becomes a dead letter and holds back the rest of
its trace until an admin replays it (compliance.endpoints.replay), so no receiver sees a trace out of order.

Each attempt is committed as it ends, so a process killed in a run loses nothing: the next run resumes with
the first entry not acknowledged (at worst sending again the one in flight: receivers de-duplicate on the
X-Supervision-Position header). Retries back off exponentially from SUPERVISION_PUSH_BACKOFF_SECONDS.
"""
import hashlib
import hmac
import json
import logging
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import select

from compliance import endpoints, feed, sealing
from compliance.models import Delivery, FeedEntry, PushEndpoint
from core import clock
from core.extensions import db

log = logging.getLogger(__name__)
ENQUEUE_BATCH = 1000
MAX_BACKOFF = timedelta(hours=1)


class ReceiverDown(Exception):
    """The receiver could not be reached at all: later entries would fail the same way."""


def signature(secret, timestamp, body):
    """The X-Supervision-Signature of `body` sent at `timestamp`: HMAC-SHA256 over "<timestamp>.<body>"."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def enqueue(endpoint):
    """Owe `endpoint` the entries recorded since it was last looked at (positions appear in commit order)."""
    rows = db.session.execute(select(FeedEntry.id, FeedEntry.trace_id).where(FeedEntry.id > endpoint.enqueued_through)
                              .order_by(FeedEntry.id).limit(ENQUEUE_BATCH)).all()
    now = clock.now()
    db.session.add_all(Delivery(endpoint_id=endpoint.id, entry_id=entry_id, trace_id=trace_id, status="pending",
                                attempts=0, next_attempt_at=now) for entry_id, trace_id in rows)
    if rows:
        endpoint.enqueued_through = rows[-1][0]
    db.session.flush()
    return len(rows)


def _post(endpoint, secret, entry):
    """Send one entry; raises ReceiverDown (unreachable) or ValueError (an answer other than 2xx)."""
    body = json.dumps(feed.entry_to_dict(entry), ensure_ascii=False, sort_keys=True).encode("utf-8")
    timestamp = str(int(clock.now().timestamp()))
    headers = {"Content-Type": "application/json", "X-Supervision-Position": str(entry.id),
               "X-Supervision-Trace": entry.trace_id, "X-Supervision-Timestamp": timestamp,
               "X-Supervision-Signature": signature(secret, timestamp, body)}
    why = endpoints.refusal_of(endpoint.url)  # again at each send: the name may resolve elsewhere now
    if why:
        raise ValueError(f"refused: {why}")
    try:
        answer = requests.post(endpoint.url, data=body, headers=headers, allow_redirects=False,
                               timeout=current_app.config["SUPERVISION_PUSH_TIMEOUT_SECONDS"])
    except requests.RequestException as exc:
        raise ReceiverDown(f"{type(exc).__name__}: {exc}"[:500]) from None
    if not 200 <= answer.status_code < 300:
        raise ValueError(f"HTTP {answer.status_code}")


def entry_for(delivery):
    """The feed entry a delivery carries (a step of a run: the crash tests slow it down to kill a run midway)."""
    return db.session.get(FeedEntry, delivery.entry_id)


def _failed(delivery, error):
    config = current_app.config
    delivery.attempts += 1
    delivery.last_error = str(error)[:1000]
    if delivery.attempts >= config["SUPERVISION_PUSH_MAX_ATTEMPTS"]:
        delivery.status = "dead"
    else:
        wait = timedelta(seconds=config["SUPERVISION_PUSH_BACKOFF_SECONDS"] * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = clock.now() + min(wait, MAX_BACKOFF)


def send_due(endpoint, batch=200):
    """Send the endpoint's due deliveries, trace by trace in order; returns how many were acknowledged."""
    secret, current = sealing.unseal(endpoint.secret_sealed, endpoint.id)
    if not current:
        endpoint.secret_sealed = sealing.seal(secret, endpoint.id)
    blocked = set(db.session.scalars(select(Delivery.trace_id).where(
        Delivery.endpoint_id == endpoint.id, Delivery.status == "dead").distinct()))
    pending = db.session.scalars(select(Delivery).where(Delivery.endpoint_id == endpoint.id,
                                                        Delivery.status == "pending")
                                 .order_by(Delivery.entry_id).limit(batch)).all()
    sent = 0
    for delivery in pending:
        if delivery.trace_id in blocked or delivery.next_attempt_at > clock.now():
            blocked.add(delivery.trace_id)  # an earlier entry of the trace waits: so do the later ones
            continue
        entry = entry_for(delivery)
        try:
            _post(endpoint, secret, entry)
        except (ReceiverDown, ValueError) as exc:
            _failed(delivery, exc)
            blocked.add(delivery.trace_id)
            db.session.commit()
            if isinstance(exc, ReceiverDown):
                break  # the rest would only time out too; they keep their turn for the next run
            continue
        delivery.status, delivery.delivered_at = "delivered", clock.now()
        db.session.commit()
        sent += 1
    return sent


def push_feed():
    """The periodic job: owe every active endpoint its new entries, then send what is due."""
    sent = 0
    ids = db.session.scalars(select(PushEndpoint.id).where(PushEndpoint.active.is_(True))
                             .order_by(PushEndpoint.created_at)).all()
    for endpoint_id in ids:
        endpoint = db.session.get(PushEndpoint, endpoint_id)
        while enqueue(endpoint):
            db.session.commit()
        try:
            sent += send_due(endpoint)
        except sealing.SecretUnavailable:
            log.error("supervision endpoint %s: no configured SECRET_KEY opens its secret", endpoint_id)
        db.session.commit()
    return sent
