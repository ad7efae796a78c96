"""A stand-in for the clinic queue behind clinic.consult.queue_link (tests only; the integrator wires
the real one): appointments in memory, in check-in order, and a log of what the rooms told it."""
import itertools


class FakeQueue:
    """In-memory checked-in appointments; records every call the consulting rooms make."""

    def __init__(self):
        self.appointments = {}  # id -> appointment dict (with "status")
        self.order = []  # ids in queue order
        self.calls = []
        self._ids = itertools.count(1)

    def add(self, account, reason="I10 hypertension follow-up", **extra):
        """Check in an online appointment for a patient account (from the `accounts` fixture)."""
        appointment_id = f"appt{next(self._ids):04d}"
        self.appointments[appointment_id] = {"id": appointment_id, "patient_id": account["patient_id"],
                                             "user_id": account["id"], "reason": reason, "status": "checked_in",
                                             **extra}
        self.order.append(appointment_id)
        return self.appointments[appointment_id]

    def status(self, appointment_id):
        return self.appointments[appointment_id]["status"]

    def next_checked_in(self, doctor, room):
        self.calls.append(("next_checked_in", doctor.user_id, room["id"]))
        for appointment_id in self.order:
            if self.appointments[appointment_id]["status"] == "checked_in":
                return dict(self.appointments[appointment_id])
        return None

    def _set(self, appointment_id, status, call):
        self.calls.append(call)
        if appointment_id in self.appointments:
            self.appointments[appointment_id]["status"] = status

    def mark_in_consultation(self, appointment_id):
        self._set(appointment_id, "in_consultation", ("mark_in_consultation", appointment_id))

    def mark_fulfilled(self, appointment_id):
        self._set(appointment_id, "fulfilled", ("mark_fulfilled", appointment_id))

    def mark_refused(self, appointment_id, decision):
        self._set(appointment_id, "refused", ("mark_refused", appointment_id, decision["decision"]))

    def requeue_or_noshow(self, appointment_id, action):
        if action == "requeue" and appointment_id in self.order:
            self.order.remove(appointment_id)
            self.order.append(appointment_id)
        self._set(appointment_id, "checked_in" if action == "requeue" else "noshow",
                  ("requeue_or_noshow", appointment_id, action))
