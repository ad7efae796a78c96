"""Billing fixtures: a booked appointment to pay for, the sandbox provider played from the outside (the patient
at its cashier, its notifications posted to our webhook over HTTP), and ledger checks."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing.models import Charge, LedgerLine
from billing.providers import sandbox
from clinic.fhir_views.services import drain_views
from core import clock
from core.extensions import db
from tests.clinic.conftest import World, book, frozen, setting  # noqa: F401  (fixtures)


@pytest.fixture()
def world(app, accounts):
    return World(app, accounts)


def future(hours=48):
    return clock.now().replace(microsecond=0, second=0, minute=0) + timedelta(hours=hours)


class Billing:
    """A booked appointment's charge, its payment through the sandbox, and the books."""

    def __init__(self, app, client, accounts, world):
        self.app, self.client, self.accounts, self.world = app, client, accounts, world
        self._admin = None

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.accounts.admin(f"billadmin{id(self)}")[1]
        return self._admin

    def booked(self, fee=3000, patient=None, hours=48, title=None, drain=True):
        """(patient headers, appointment, charge) of a fresh booking; its views (the Invoice and ChargeItems too)
        drained from the outbox unless `drain` is False."""
        inst = self.world.institution()
        doctor_id, _ = self.world.doctor([inst], fee=fee, **({"title": title} if title else {}))
        slot_id = self.world.slot(doctor_id, inst, future(hours))
        patient = patient or self.accounts.patient()[1]
        r = book(self.client, patient, slot_id)
        assert r.status_code == 201, r.get_json()
        appt = r.get_json()
        if drain:
            self.drain()
        return patient, appt, self.charge_for(patient, f"Appointment/{appt['id']}")

    def drain(self):
        """Write the views the outbox holds (the tests run without the in-process drainer)."""
        drain_views(self.app)

    def charge_for(self, headers, source):
        charges = self.client.get(f"/api/v1/charges?source={source}", headers=headers).get_json()["items"]
        assert len(charges) == 1, charges
        return charges[0]

    def charge(self, headers, charge_id):
        r = self.client.get(f"/api/v1/charges/{charge_id}", headers=headers)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def intent(self, headers, charge_id):
        r = self.client.post("/api/v1/payments", json={"charge_id": charge_id}, headers=headers)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def at_cashier(self, fn, *args, **kwargs):
        """Run a sandbox cashier action (the patient at the provider) and commit it."""
        with self.app.app_context():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    def pay(self, headers, charge_id, **behaviour):
        payment = self.intent(headers, charge_id)
        assert self.at_cashier(sandbox.customer_pays, payment["provider_ref"], **behaviour)
        return payment

    def due_notifications(self):
        with self.app.app_context():
            due = sandbox.due_notifications()
            db.session.rollback()
            return due

    def deliver(self, notifications=None):
        """POST the due notifications to the webhook as the provider would; returns the responses."""
        notifications = self.due_notifications() if notifications is None else notifications
        answers = [self.client.post("/api/v1/payments/notify/sandbox", data=body, headers=headers,
                                    content_type="application/json") for _, body, headers in notifications]
        self.at_cashier(sandbox.mark_sent, {n for (n, _, _), a in zip(notifications, answers) if a.status_code == 200})
        return answers

    def ledger_sum(self):
        with self.app.app_context():
            return db.session.scalar(select(func.coalesce(func.sum(LedgerLine.amount_fen), 0)))

    def ledger_lines(self, charge_id):
        with self.app.app_context():
            return db.session.scalar(select(func.count()).where(LedgerLine.charge_id == charge_id))

    def charge_row(self, charge_id):
        with self.app.app_context():
            row = db.session.get(Charge, charge_id)
            db.session.expunge_all()
            return row


@pytest.fixture()
def billing(app, client, accounts, world):
    return Billing(app, client, accounts, world)
