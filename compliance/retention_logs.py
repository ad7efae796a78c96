"""Retention of the operational logs the service keeps in its database (the `operational_logs` kind):

- supervision push deliveries that were delivered (`supervision_deliveries`, from `delivered_at`; dead letters
  stay for the operator to replay, the feed entries themselves are the reporting record);
- appointment reminders sent or cancelled (`reminders`, from when sent, else when due);
- payment providers' notifications (`billing_notifications`, from `received_at`: webhook receipts; the payment
  row keeps the trade, and a replay that old is refused by its signature's age anyway).

Each row of a patient a hold covers is kept. Not here, because their own sweeps keep them far shorter as
throttling state, not as a log: failed-login counters, phone codes and Idempotency-Keys (core.jobs); a failed
login is also an audit entry, which the `audit_log` kind keeps (at least six months, 网络安全法 第二十一条)."""
from sqlalchemy import delete, func, select, tuple_

from billing import services as billing
from clinic.appointments import Appointment, Reminder
from compliance.models import Delivery, FeedEntry
from core.extensions import db


def _deliveries(cutoff, held):
    stmt = select(Delivery.endpoint_id, Delivery.entry_id).where(Delivery.status == "delivered",
                                                                 Delivery.delivered_at < cutoff)
    if held is not None:
        refs = [f"Patient/{p}" for p in held["audit_patients"]] or [""]
        stmt = stmt.join(FeedEntry, FeedEntry.id == Delivery.entry_id).where(
            FeedEntry.patient_ref.is_(None) | FeedEntry.patient_ref.not_in(refs))
    return stmt


def _reminders(cutoff, held):
    stmt = select(Reminder.id).where(Reminder.status.in_(("sent", "cancelled")),
                                     func.coalesce(Reminder.sent_at, Reminder.due_at) < cutoff)
    if held is not None:
        stmt = stmt.join(Appointment, Appointment.id == Reminder.appointment_id).where(
            Appointment.patient_id.not_in(held["audit_patients"] or [""]))
    return stmt


def _count(stmt):
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def count(cutoff, held=None):
    """How many log rows are past `cutoff` (`held` None: whatever the holds)."""
    skip = held["audit_patients"] if held is not None else ()
    return (_count(_deliveries(cutoff, held)) + _count(_reminders(cutoff, held))
            + billing.count_provider_notifications(cutoff, skip))


def remove_batch(cutoff, held, limit):
    """Delete up to `limit` log rows past `cutoff` and under no hold; how many (0: none left)."""
    keys = db.session.execute(_deliveries(cutoff, held).limit(limit)).all()
    if keys:
        db.session.execute(delete(Delivery).where(tuple_(Delivery.endpoint_id, Delivery.entry_id).in_(
            [tuple(key) for key in keys])))
        return len(keys)
    ids = db.session.scalars(_reminders(cutoff, held).limit(limit)).all()
    if ids:
        db.session.execute(delete(Reminder).where(Reminder.id.in_(ids)))
        return len(ids)
    return billing.purge_provider_notifications(cutoff, held["audit_patients"], limit)
