"""One populated world for the authorisation matrix, built the way the apps build it (through the API).

Patient A has everything: an online appointment with doctor 1 that became a consultation (chat
messages, an attachment, an ended consultation with its Encounter, Condition, Communication and
DocumentReference), a prescription approved by the platform reviewer and routed to pharmacy 1, an
in-person appointment, a waitlist entry, a signed consent, notifications, self-reported and clinical
FHIR records. Patient B has their own records and an appointment with doctor 2. Every role of the
matrix gets bearer headers; `ids` names every object a route can point at (all of them A's or
doctor 1's / pharmacy 1's, so every other caller is a stranger to them).
"""
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from core import clock
from core.auth import SYSTEM
from core.extensions import db
from core.models import AuditEntry
from records import api as records
from tests.clinic.conftest import World as ClinicWorld
from tests.clinic.conftest import book
from tests.clinic.consult.helpers import NS, Party, make_room, socket_for
from tests.clinic.risk.helpers import STABLE_VITALS, give_history, sign_protocol
from tests.conftest import Accounts
from tests.pharmacy.conftest import AMLODIPINE, NINGBO
from tests.pharmacy.conftest import World as PharmacyWorld

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HANGZHOU = (30.2741, 120.1551)  # ~150 km away: never offered an order placed in Ningbo
# Types of A's compartment the world holds, found by search after the build.
FHIR_TYPES = ("Encounter", "Condition", "MedicationRequest", "Appointment", "Communication", "DocumentReference",
              "Consent")
ROLES = ("anon", "pa", "pb", "d1", "d2", "p1", "p2", "rv", "admin", "n1", "reg")
# 15 mg a day is above amlodipine's 10 mg maximum: the prescription has a pre-review flag (number 1) the
# reviewer overrides before approving, so the flag routes act on a real flag.
OVER_MAXIMUM = {**AMLODIPINE, "frequency": "three times daily"}


@dataclass
class World:
    client: object = None  # the Flask test client the world was built with
    headers: dict = field(default_factory=dict)  # role -> headers ({} for anon)
    ids: dict = field(default_factory=dict)  # placeholder -> object id
    markers: dict = field(default_factory=dict)  # "pa" / "pb" -> strings that identify the patient


def _ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def _patient(app, client, accounts, name, born):
    account = accounts.register_patient(name=name, born=born)
    headers = accounts.login(account["phone"], account["password"])
    give_history(app, account["patient_id"], code="I10")
    consent = sign_protocol(client, headers)
    _ok(client.post("/api/v1/triage", json={"symptoms": [], "vitals": STABLE_VITALS}, headers=headers), 201)
    return account, headers, consent


def _fhir(app, resource):
    with app.app_context():
        saved = records.create(SYSTEM, resource)
        db.session.commit()
        return saved["id"]


def _clinical_records(app, patient_id):
    """An Observation, a MedicationDispense (the pharmacy's view: its identifier system) and a self-reported
    Observation of the patient."""
    subject = {"reference": f"Patient/{patient_id}"}
    code = {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
    return {
        "Observation": _fhir(app, {"resourceType": "Observation", "status": "final", "code": code,
                                   "subject": subject, "valueQuantity": {"value": 72, "unit": "/min"}}),
        "SelfObservation": _fhir(app, {"resourceType": "Observation", "status": "final", "code": code,
                                       "subject": subject, "performer": [subject],
                                       "valueQuantity": {"value": 70, "unit": "/min"}}),
        "MedicationDispense": _fhir(app, {
            "resourceType": "MedicationDispense", "status": "completed", "subject": subject,
            "identifier": [{"system": "urn:cloud-hospital:dispense", "value": "world-dispense#1"}],
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "C08CA01"}]}}),
    }


def _consultation(app, client, d1, pa_account, pa, slot_id, room_id):
    """A books online with doctor 1, checks in, is called, chats, uploads; doctor 1 ends and prescribes."""
    appt = _ok(book(client, pa, slot_id, kind="online", reason="I10 blood pressure follow-up"), 201)
    _ok(client.post(f"/api/v1/appointments/{appt['id']}/check-in", headers=pa))
    _ok(client.post(f"/api/v1/rooms/{room_id}/open", headers=d1))
    consultation = _ok(client.post(f"/api/v1/rooms/{room_id}/call-next", json={}, headers=d1), 201)
    cid = consultation["id"]
    socket = socket_for(app, Party(pa_account["id"], pa))
    ack = socket.emit("join", {"consultation_id": cid, "last_seq": 0}, namespace=NS, callback=True)
    assert "error" not in ack, ack
    attachment = _ok(client.post(f"/api/v1/consultations/{cid}/attachments", headers=pa,
                                 data={"file": (io.BytesIO(PNG), "scan.png", "image/png")},
                                 content_type="multipart/form-data"), 201)
    for n, payload in enumerate(({"text": "My head feels light"}, {"attachment_id": attachment["id"]})):
        sent = socket.emit("message", {"consultation_id": cid, "client_id": f"m{n}", **payload},
                           namespace=NS, callback=True)
        assert sent.get("ok"), sent
    socket.disconnect(namespace=NS)
    _ok(client.post(f"/api/v1/consultations/{cid}/end", headers=d1, json={
        "note": "BP controlled; continue amlodipine.",
        "diagnoses": [{"code": "I10", "display": "Essential hypertension"}]}))
    prescription = _ok(client.post("/api/v1/prescriptions", headers=d1,
                                   json={"consultation_id": cid, "items": [OVER_MAXIMUM]}), 201)
    return appt["id"], cid, attachment["id"], prescription["id"]


def _waitlist_and_schedule(client, headers, doctor_id, institution_id, now):
    """A's waitlist entry and notification; doctor 1's weekly template and leave (far in the future)."""
    day = (now + timedelta(days=10)).date().isoformat()
    waitlist = _ok(client.post("/api/v1/waitlist", json={"doctor_id": doctor_id, "date": day},
                               headers=headers["pa"]), 201)
    template = _ok(client.post("/api/v1/schedules/templates", headers=headers["d1"], json={
        "doctor_id": doctor_id, "institution_id": institution_id, "weekday": 6, "session": "evening",
        "start_time": "19:00:00", "end_time": "20:00:00", "slot_minutes": 30, "kind": "in_person",
        "valid_from": (now + timedelta(days=200)).date().isoformat()}), 201)
    far = (now + timedelta(days=300)).date().isoformat()
    exception = _ok(client.post("/api/v1/schedules/exceptions", headers=headers["d1"], json={
        "doctor_id": doctor_id, "kind": "leave", "start_date": far, "end_date": far}), 201)
    notifications = _ok(client.get("/api/v1/notifications", headers=headers["pa"]))["items"]
    assert notifications, "booking leaves A a notification"
    return {"entry_id": waitlist["id"], "template_id": template["id"], "exception_id": exception["id"],
            "notification_id": notifications[0]["id"]}


def _fhir_ids(app, client, admin, patient_id):
    """Ids of A's FHIR records: the ones written here, one audit entry, and one of each FHIR_TYPES found."""
    ids = {f"fhir_{k}": v for k, v in _clinical_records(app, patient_id).items()}
    with app.app_context():
        ids["audit_id"] = str(db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.patient_ref == f"Patient/{patient_id}").limit(1)))
    for resource_type in FHIR_TYPES:
        found = _ok(client.get(f"/fhir/{resource_type}?patient={patient_id}&_count=1", headers=admin))
        assert found.get("entry"), f"the world has no {resource_type} of patient A"
        ids[f"fhir_{resource_type}"] = found["entry"][0]["resource"]["id"]
    return ids


def _id_claim(accounts, admin):
    """A claim to an identity number, by a stranger against another stranger (neither is A or B)."""
    holder = accounts.register_patient(name="Hugo Holder")
    accounts.register_patient(name="Cleo Claimant", id_number=holder["id_number"])
    claims = _ok(accounts.client.get("/api/v1/admin/id-claims?status=pending", headers=admin))["items"]
    assert len(claims) == 1, claims
    return claims[0]["id"]


def _care_plan(client, headers, patient_id):
    """A's hypertension plan with doctor 1 and an alert raised by A's high home reading."""
    plan = _ok(client.post("/api/v1/care-plans", json={"patient_id": patient_id, "template": "hypertension"},
                           headers=headers["d1"]), 201)
    reading = _ok(client.post("/api/v1/measurements", json={"code": "blood-pressure", "systolic": 152,
                                                            "diastolic": 96}, headers=headers["pa"]), 201)
    order = _ok(client.post("/api/v1/service-requests", json={"patient_id": patient_id, "test": "hba1c"},
                            headers=headers["d1"]), 201)
    return {"plan_id": plan["id"], "alert_id": reading["alerts"][0]["id"], "service_request_id": order["id"]}


def _home_visit(client, accounts, headers, institution_id, now):
    """Nurse 1 placed at the institution, and A's wound-care request assigned to them."""
    user_id, headers["n1"] = accounts.staff("nurse", "nurse_matrix")
    _ok(client.put("/api/v1/nursing/nurses", json={"user_id": user_id, "institution_id": institution_id},
                   headers=headers["admin"]))
    start = now + timedelta(days=1)
    request = _ok(client.post("/api/v1/nursing/requests", headers=headers["pa"], json={
        "service": "wound-care", "address": "1 Matrix Lane", "latitude": 29.88, "longitude": 121.55,
        "window_start": start.isoformat(), "window_end": (start + timedelta(hours=2)).isoformat()}), 201)
    return {"nurse_user_id": user_id, "nursing_request_id": request["id"], "visit_id": request["visit"]["id"]}


def build_world(app):
    """Build the world (committed); the caller empties the tables afterwards."""
    client = app.test_client()
    accounts = Accounts(app, client)
    w = World()
    clinic = ClinicWorld(app, accounts)
    pharmacy = PharmacyWorld(client, accounts, consultations={})
    w.headers["admin"] = pharmacy.admin
    inst = clinic.institution()
    doctor1, w.headers["d1"] = clinic.doctor([inst], specialties=("hypertension",), is_family_doctor=True)
    doctor2, w.headers["d2"] = clinic.doctor([inst], specialties=("hypertension",))
    pa_account, w.headers["pa"], consent = _patient(app, client, accounts, "Anna Quillfeather", date(1971, 3, 9))
    pb_account, w.headers["pb"], _ = _patient(app, client, accounts, "Bella Strandmoor", date(1983, 8, 21))
    w.headers["anon"] = {}
    for role, account in (("pa", pa_account), ("pb", pb_account)):
        w.markers[role] = (account["patient_id"], account["id"], account["id_number"], account["phone"],
                           "Quillfeather" if role == "pa" else "Strandmoor")

    pharmacy.pharmacy("ph-near", stock={"C08CA01": 100})
    pharmacy.pharmacy("ph-far", lat=HANGZHOU[0], lon=HANGZHOU[1], stock={"C08CA01": 100})
    w.headers["p1"], w.headers["p2"] = pharmacy.pharmacist("ph-near"), pharmacy.pharmacist("ph-far")
    w.headers["rv"] = pharmacy.reviewer
    w.headers["reg"] = accounts.staff("regulator", "regulator")[1]  # reads the feed and traces, nothing else

    now = clock.now().replace(microsecond=0)
    online_slot = clinic.slot(doctor1, inst, now + timedelta(minutes=20), kind="online")
    room_id = make_room(app)
    online_appt, cid, attachment_id, prescription_id = _consultation(
        app, client, w.headers["d1"], pa_account, w.headers["pa"], online_slot, room_id)
    _ok(client.post(f"/api/v1/prescriptions/{prescription_id}/review/flags/1",
                    json={"decision": "override", "reason": "titration agreed with the cardiologist"},
                    headers=w.headers["rv"]))
    _ok(client.post(f"/api/v1/prescriptions/{prescription_id}/review", json={"decision": "approve"},
                    headers=w.headers["rv"]))
    order = pharmacy.order(w.headers["pa"], prescription_id)
    assert order["pharmacy"]["id"] == "ph-near", order

    later = now + timedelta(days=3)
    appt = _ok(book(client, w.headers["pa"], clinic.slot(doctor1, inst, later)), 201)
    charge, = _ok(client.get(f"/api/v1/charges?source=Appointment/{appt['id']}",
                             headers=w.headers["pa"]))["items"]
    payment = _ok(client.post("/api/v1/payments", json={"charge_id": charge["id"]}, headers=w.headers["pa"]), 201)
    doctor3, _ = clinic.doctor([inst], account=False)  # bookings made by the matrix give no role care of anyone
    spare_slot = clinic.slot(doctor3, inst, later + timedelta(hours=1))
    _ok(client.put("/api/v1/family-doctor", json={"doctor_id": doctor1}, headers=w.headers["pa"]))
    protocol = _ok(client.get("/api/v1/consents/protocol", headers=w.headers["pa"]))["version"]
    w.ids.update(_care_plan(client, w.headers, pa_account["patient_id"]))
    _ok(client.put("/api/v1/inspections/offers", json={"institution_id": inst, "test": "hba1c", "daily_capacity": 5},
                   headers=w.headers["admin"]))
    _ok(book(client, w.headers["pb"], clinic.slot(doctor2, inst, later + timedelta(hours=2))), 201)
    w.ids.update(_waitlist_and_schedule(client, w.headers, doctor1, inst, now))
    w.ids.update(_home_visit(client, accounts, w.headers, inst, now))

    _clinical_records(app, pb_account["patient_id"])
    w.ids.update({
        "appointment_id": appt["id"], "online_appointment_id": online_appt, "spare_slot_id": spare_slot,
        "consultation_id": cid, "attachment_id": attachment_id, "prescription_id": prescription_id,
        "order_id": order["id"], "pharmacy_id": "ph-near", "room_id": room_id, "doctor_id": doctor1,
        "charge_id": charge["id"], "payment_id": payment["id"],
        "institution_id": inst, "consent_id": consent["id"], "protocol_version": protocol,
        "user_id": pa_account["id"], "patient_id": pa_account["patient_id"],
        "fhir_Provenance": f"{prescription_id}-signature", "claim_id": _id_claim(accounts, w.headers["admin"]),
        **_fhir_ids(app, client, w.headers["admin"], pa_account["patient_id"]),
    })
    w.client = client
    return w
