"""Timed work of the consulting rooms: expire invites nobody took up, close idle consultations.

Each sweep finds candidates, then claims every row with a conditional update on its status and
timestamp (clinic.consult.lifecycle), so a sweep that runs twice, late, or beside the doctor's own
end does each change at most once. One failing consultation (e.g. its record write) is rolled back
to its savepoint and retried by the next run; the others go on.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from clinic.consult import lifecycle
from core.transaction import begin_write
from clinic.consult.models import Consultation
from core import clock
from core.extensions import db
from core.scheduler import register_periodic

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30
BATCH = 200


def _each(ids, work, cutoff):
    done = 0
    for consultation_id in ids:
        try:
            with db.session.begin_nested():
                done += bool(work(consultation_id, cutoff))
        except Exception:  # keep sweeping; this one stays as it was and is retried next run
            log.exception("consulting-room sweep failed for consultation %s", consultation_id)
    return done


@register_periodic("consult.expire_invites", SWEEP_SECONDS)
def expire_invites():
    """Expire invites older than CONSULT_INVITE_TIMEOUT_SECONDS (requeue or noshow); returns how many."""
    cutoff = clock.now() - timedelta(seconds=current_app.config["CONSULT_INVITE_TIMEOUT_SECONDS"])
    ids = list(db.session.scalars(select(Consultation.id).where(
        Consultation.status == "invited", Consultation.invited_at < cutoff).limit(BATCH)))
    if ids:
        begin_write()
    return _each(ids, lifecycle.expire_invite, cutoff)


@register_periodic("consult.close_idle", SWEEP_SECONDS)
def close_idle_consultations():
    """Close active consultations without a message for CONSULT_IDLE_TIMEOUT_SECONDS; returns how many."""
    cutoff = clock.now() - timedelta(seconds=current_app.config["CONSULT_IDLE_TIMEOUT_SECONDS"])
    ids = list(db.session.scalars(select(Consultation.id).where(
        Consultation.status == "active", Consultation.last_activity_at < cutoff).limit(BATCH)))
    if ids:
        begin_write()
    return _each(ids, lifecycle.close_idle, cutoff)
