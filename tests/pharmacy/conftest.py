"""Fixtures for pharmacy tests: a consultation resolver with fixed data, and a `world` that builds
pharmacies, staff, patients and prescriptions through the API the way the apps would."""
import itertools

import pytest

from pharmacy import hooks, services

ALL_WEEK = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NINGBO = (29.8683, 121.5440)  # Tianyi Square, Haishu
AMLODIPINE = {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily", "route": "oral",
              "quantity": 28, "days_supply": 28}
METFORMIN = {"code": "A10BA02", "dose": "500 mg", "frequency": "twice daily", "route": "oral",
             "quantity": 56, "days_supply": 28}


@pytest.fixture()
def consultations():
    """Consultation id -> {patient_id, practitioner_id, encounter_ref}; the resolver installed for the test."""
    known = {}

    def resolve(actor, consultation_id):
        from core.errors import ApiError

        if consultation_id not in known:
            raise ApiError(422, "unknown_consultation", "No such consultation.")
        return known[consultation_id]

    previous = hooks.installed("consultation_resolver"), hooks.installed("prescribe_check")
    services.set_consultation_resolver(resolve)
    # Pharmacy's own gate: clinic's risk rules (installed app-wide) are tested in tests/clinic.
    services.set_prescribe_check(None)
    yield known
    services.set_consultation_resolver(previous[0])
    services.set_prescribe_check(previous[1])


@pytest.fixture()
def notes():
    """Every notification sent during the test: (event, recipients, payload)."""
    sent = []
    previous = hooks.installed("notifier")
    services.set_notifier(lambda event, recipients, payload: sent.append((event, recipients, payload)))
    yield sent
    services.set_notifier(previous)


class World:
    """Build pharmacy scenarios through the API."""

    def __init__(self, client, accounts, consultations):
        self.client, self.accounts, self.consultations = client, accounts, consultations
        self._n = itertools.count(1)
        self._admin = None
        self._reviewer = None

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.accounts.admin(f"admin{next(self._n)}")[1]
        return self._admin

    def pharmacy(self, pharmacy_id, lat=NINGBO[0], lon=NINGBO[1], stock=None, **fields):
        body = {"id": pharmacy_id, "name": f"Pharmacy {pharmacy_id}", "address": "1 Test Road, Ningbo",
                "lat": lat, "lon": lon, "hours": ALL_WEEK, "pickup": True, "delivery": True,
                "delivery_radius_km": 5.0, "capacity": 10, **fields}
        r = self.client.post("/api/v1/pharmacies", json=body, headers=self.admin)
        assert r.status_code == 201, r.get_json()
        if stock:
            self.set_stock(pharmacy_id, stock)
        return r.get_json()

    def set_stock(self, pharmacy_id, stock, headers=None):
        items = [{"code": code, "on_hand": qty} for code, qty in stock.items()]
        r = self.client.put(f"/api/v1/pharmacies/{pharmacy_id}/stock", json={"items": items},
                            headers=headers or self.admin)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def stock(self, pharmacy_id, code):
        r = self.client.get(f"/api/v1/pharmacies/{pharmacy_id}/stock", headers=self.admin)
        return next((row for row in r.get_json()["items"] if row["code"] == code), None)

    def pharmacist(self, pharmacy_id):
        return self.accounts.staff("pharmacist", f"ph{next(self._n)}.{pharmacy_id}"[:60], pharmacy_id=pharmacy_id)[1]

    @property
    def reviewer(self):
        if self._reviewer is None:
            self.pharmacy("platform", routable=False, reviews=True)
            self._reviewer = self.pharmacist("platform")
        return self._reviewer

    def doctor(self, practitioner_id="prac-1"):
        return self.accounts.staff("doctor", f"dr{next(self._n)}", practitioner_id=practitioner_id)[1]

    def patient(self):
        account, headers = self.accounts.patient()
        return account["patient_id"], headers

    def consultation(self, patient_id, practitioner_id="prac-1"):
        cid = f"consult-{next(self._n)}"
        self.consultations[cid] = {"patient_id": patient_id, "practitioner_id": practitioner_id,
                                   "encounter_ref": f"Encounter/{cid}"}
        return cid

    def prescribe(self, doctor, patient_id, items=(AMLODIPINE,), practitioner_id="prac-1", expect=201):
        cid = self.consultation(patient_id, practitioner_id)
        r = self.client.post("/api/v1/prescriptions", json={"consultation_id": cid, "items": list(items)},
                             headers=doctor)
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def review_item(self, prescription_id, headers=None):
        r = self.client.get(f"/api/v1/prescriptions/{prescription_id}/review", headers=headers or self.reviewer)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def override_flags(self, prescription_id, reason="judged acceptable for this patient"):
        """Override every undecided pre-review flag (tests of what follows approval, not of the review)."""
        for number in self.review_item(prescription_id)["undecided"]:
            r = self.client.post(f"/api/v1/prescriptions/{prescription_id}/review/flags/{number}",
                                 json={"decision": "override", "reason": reason}, headers=self.reviewer)
            assert r.status_code == 200, r.get_json()

    def approved(self, patient_id, items=(AMLODIPINE,), doctor=None):
        body = self.prescribe(doctor or self.doctor(), patient_id, items)
        self.override_flags(body["id"])
        r = self.client.post(f"/api/v1/prescriptions/{body['id']}/review", json={"decision": "approve"},
                             headers=self.reviewer)
        assert r.status_code == 200, r.get_json()
        return body["id"]

    def order(self, patient_headers, prescription_id, mode="pickup", where=NINGBO, expect=201):
        body = {"mode": mode, "location": {"lat": where[0], "lon": where[1]}}
        if mode == "delivery":
            body["address"] = "5 Patient Lane, Ningbo"
        r = self.client.post(f"/api/v1/prescriptions/{prescription_id}/fulfilment", json=body, headers=patient_headers)
        assert r.status_code == expect, r.get_json()
        return r.get_json()

    def act(self, headers, order_id, action, **body):
        return self.client.post(f"/api/v1/pharmacy/orders/{order_id}/{action}", json=body or None, headers=headers)


@pytest.fixture()
def world(client, accounts, consultations):
    return World(client, accounts, consultations)
