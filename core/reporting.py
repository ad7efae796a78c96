"""Reportable events for the regulator's supervision feed, written in the transaction of the change they report.

Domains call `report(kind, subject, trace_id, payload)` where a reportable change happens (a prescription
signed, a consultation ended ...); nothing is written here. The package that owns the feed (compliance)
installs a sink at start-up; the events of a transaction are handed to it just before that transaction
commits, so an event exists exactly when its change does (a rolled-back change reports nothing). A
`durable` event (a refusal that was decided) is reported even when the request then fails, like
core.transaction.keep_on_error keeps its audit entry.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from core import clock
from core.extensions import db
from core.transaction import on_error_also

_PENDING = "reportable_events"
_sink = None  # fn(session, [event dict]) called before commit; None: events are dropped (no feed installed)


def prescription_trace(prescription_id):
    """The trace id of a prescription chain: signed, reviewed, dispensed, delivered."""
    return f"rx-{prescription_id}"


def consultation_trace(consultation_id):
    """The trace id of a consultation: started, ended."""
    return f"consult-{consultation_id}"


def install_sink(fn):
    """Install the writer of reported events (None removes it)."""
    global _sink
    _sink = fn


def report(kind, subject, trace_id, payload=None, patient_ref=None, actor=None, durable=False):
    """Report `kind` (e.g. "prescription.signed") about `subject` ("Type/id") in trace `trace_id`."""
    entry = {"kind": kind, "subject": subject, "trace_id": trace_id, "payload": payload or {},
             "patient_ref": patient_ref, "occurred_at": clock.now(),
             "actor": {"user_id": getattr(actor, "user_id", None), "role": getattr(actor, "role", None) or "system"}}
    # The savepoint it was reported in: a rolled-back savepoint (e.g. core.idempotency's) takes it along.
    db.session.info.setdefault(_PENDING, []).append((entry, db.session().get_nested_transaction(), durable))
    if durable:
        on_error_also(lambda: db.session.info.setdefault(_PENDING, []).append((entry, None, True)))


def _within(transaction, savepoint):
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


def _drop_rolled_back(session, previous_transaction):
    """The transaction rolled back: forget what it reported (core.transaction's kept calls report the decided
    refusals again). A savepoint rolled back: forget what was reported inside it, but the decided refusals."""
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
    elif session.info.get(_PENDING):
        session.info[_PENDING] = [(entry, savepoint, durable) for entry, savepoint, durable in session.info[_PENDING]
                                  if durable or not _within(savepoint, previous_transaction)]


def _hand_over(session):
    if session.in_nested_transaction():  # a savepoint released: the events wait for the real commit
        return
    pending = session.info.pop(_PENDING, None)
    if pending and _sink is not None:
        _sink(session, [entry for entry, _, _ in pending])


def init_app(app):
    """Hand each transaction's events to the sink as it commits; forget them when it rolls back."""
    if not event.contains(Session, "before_commit", _hand_over):  # once, whatever the number of apps
        event.listen(Session, "before_commit", _hand_over)
        event.listen(Session, "after_soft_rollback", _drop_rolled_back)
