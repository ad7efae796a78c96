"""The app-API authorisation matrix: for every route (as the Flask URL map spells it) who may act on
patient A's objects. Every other role must get 401 (anonymous) or 403/404, and no role may see data of a
patient it has no business with (tests/reliability/authz/test_api_matrix.py).

An entry is Rule(allowed roles, ...). Roles: anon, pa, pb (patients A and B), d1 (A's doctor), d2 (a doctor
with no care of A), p1 (pharmacy the order is routed to), p2 (another pharmacy), rv (platform reviewer),
admin. "*" is every authenticated role, "public" everyone. Path placeholders name objects of the world.
`health`: a successful call reads health data, so it must leave an audit entry with its request id.
`statuses`: what an allowed role may get besides 200 (writes on a fixed world: 409, 422 ... are fine).
`skip`: allowed roles not run here, with the reason.
"""
from dataclasses import dataclass, field

ALL = "pa pb d1 d2 p1 p2 rv admin"
WRITE_OK = frozenset({200, 201, 204, 409, 422})
GONE_OK = WRITE_OK | {404}  # a delete: the first allowed role already deleted it


@dataclass(frozen=True)
class Rule:
    allowed: str
    body: object = None
    query: str = ""
    health: bool = False
    statuses: frozenset = frozenset({200})
    skip: dict = field(default_factory=dict)
    multipart: bool = False

    def roles(self):
        names = self.allowed.replace("*", ALL).replace("public", "anon " + ALL).split()
        return frozenset(names)


def write(allowed, body=None, **kwargs):
    """A write: allowed roles may get any non-authorisation answer (the fixed world makes many a 409/422)."""
    kwargs.setdefault("statuses", WRITE_OK)
    return Rule(allowed, body=body if body is not None else {}, **kwargs)


def read(allowed, **kwargs):
    return Rule(allowed, **kwargs)


AMLODIPINE = {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily", "route": "oral", "quantity": 28,
              "days_supply": 28}
NOT_HERE = "FHIR: tests/reliability/authz/test_fhir_matrix.py"

MATRIX = {
    # accounts
    "POST /api/v1/auth/phone-codes": write("public", statuses=frozenset({422})),  # body {}: no phone
    "POST /api/v1/auth/register": write("public"),
    "POST /api/v1/auth/token": write("public", statuses=frozenset({422})),
    "POST /api/v1/auth/logout": write("*", skip={r: "revokes the caller's token: tests/core/test_tokens.py"
                                                 for r in ALL.split()}),
    "GET /api/v1/me": read("*"),
    "GET /api/v1/admin/users": read("admin"),
    "POST /api/v1/admin/users": write("admin"),
    "GET /api/v1/admin/users/{user_id}": read("admin"),
    "PATCH /api/v1/admin/users/{user_id}": write("admin"),  # body {}: no change (deactivation: test_tokens.py)
    # identity-number claims (the world's claim is a stranger's against another stranger: tests/core/test_id_claims.py)
    "GET /api/v1/id-claims": read("pa pb"),
    "GET /api/v1/admin/id-claims": read("admin"),
    "POST /api/v1/admin/id-claims/{claim_id}/approve": write("admin", statuses=frozenset({200, 409})),
    "POST /api/v1/admin/id-claims/{claim_id}/reject": write("admin", statuses=frozenset({200, 409})),
    # directory and scheduling
    "GET /api/v1/institutions": read("*"),
    "POST /api/v1/institutions": write("admin"),
    "GET /api/v1/institutions/{institution_id}": read("*"),
    "PATCH /api/v1/institutions/{institution_id}": write("admin"),
    "GET /api/v1/doctors": read("*"),
    "POST /api/v1/doctors": write("admin"),
    "GET /api/v1/doctors/{doctor_id}": read("*"),
    "PATCH /api/v1/doctors/{doctor_id}": write("admin"),
    "GET /api/v1/family-doctor": read("pa pb admin", query="patient_id={patient_id}",
                                      statuses=frozenset({200, 404})),
    "PUT /api/v1/family-doctor": write("pa pb admin", {"doctor_id": "{doctor_id}", "patient_id": "{patient_id}"},
                                       skip={"pb": "would make doctor 1 B's family doctor (care of B)"}),
    "GET /api/v1/slots": read("*"),
    "GET /api/v1/schedules/templates": read("d1 d2 admin"),
    "POST /api/v1/schedules/templates": write("d1 admin", {
        "doctor_id": "{doctor_id}", "institution_id": "{institution_id}", "weekday": 5, "session": "evening",
        "start_time": "19:00:00", "end_time": "19:30:00", "slot_minutes": 30, "kind": "in_person",
        "valid_from": "2099-01-01"}),
    "GET /api/v1/schedules/templates/{template_id}": read("d1 admin"),
    "PATCH /api/v1/schedules/templates/{template_id}": write("d1 admin", {"capacity": 1}),
    "DELETE /api/v1/schedules/templates/{template_id}": write("d1 admin", statuses=GONE_OK),
    "GET /api/v1/schedules/exceptions": read("d1 d2 admin"),
    "POST /api/v1/schedules/exceptions": write("d1 admin", {"doctor_id": "{doctor_id}", "kind": "leave",
                                                            "start_date": "2099-02-01", "end_date": "2099-02-01"}),
    "DELETE /api/v1/schedules/exceptions/{exception_id}": write("d1 admin", statuses=GONE_OK),
    "GET /api/v1/schedules/flagged-slots": read("d1 d2 admin"),
    # appointments, queue, waitlist, notifications
    "GET /api/v1/appointments": read("*", health=True),
    "POST /api/v1/appointments": write("pa pb", {"slot_id": "{spare_slot_id}", "kind": "in_person",
                                                 "channel": "app"}),
    "GET /api/v1/appointments/{appointment_id}": read("pa d1 admin", health=True),
    "GET /api/v1/appointments/{appointment_id}/queue": read("pa d1 admin", health=True),
    "POST /api/v1/appointments/{appointment_id}/check-in": write("pa admin"),
    "POST /api/v1/appointments/{appointment_id}/call": write("d1 admin"),
    "POST /api/v1/appointments/{appointment_id}/finish": write("d1 admin"),
    "POST /api/v1/appointments/{appointment_id}/reschedule": write("pa admin", {"slot_id": "{spare_slot_id}"}),
    "POST /api/v1/appointments/{appointment_id}/cancel": write("pa admin"),
    "GET /api/v1/waitlist": read("pa pb"),
    "POST /api/v1/waitlist": write("pa pb", {"doctor_id": "{doctor_id}", "date": "2099-03-01"}),
    "POST /api/v1/waitlist/{entry_id}/accept": write("pa"),
    "POST /api/v1/waitlist/{entry_id}/cancel": write("pa"),
    "GET /api/v1/notifications": read("*"),
    "POST /api/v1/notifications/{notification_id}/read": write("pa"),
    "POST /api/v1/notifications/read-all": write("*"),
    "GET /api/v1/reports/waiting-times": read("admin", query="from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z"),
    "GET /api/v1/reports/room-utilisation": read("admin", query="from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z"),
    # risk control
    "GET /api/v1/risk/rules": read("d1 d2 admin"),
    "POST /api/v1/risk/rules": write("admin"),
    "GET /api/v1/risk/decisions": read("pa d1 admin", query="patient_id={patient_id}", health=True),
    "POST /api/v1/eligibility": write("pa d1 admin", {"checkpoint": "book_online", "patient_id": "{patient_id}"},
                                      health=True),
    "POST /api/v1/triage": write("pa pb", {"symptoms": [], "vitals": {"systolic_bp": 130, "diastolic_bp": 80,
                                                                      "heart_rate": 70, "temperature_c": 36.6,
                                                                      "spo2": 98}}),
    "GET /api/v1/consents/protocol": read("*"),
    "GET /api/v1/consents": read("pa admin", query="patient_id={patient_id}", health=True),
    "POST /api/v1/consents": write("pa pb", {"protocol_version": "{protocol_version}"}),
    "POST /api/v1/consents/{consent_id}/revoke": write("pa admin"),
    # guardians: the world has none (one would relate the two patients); the ids and names are unknown,
    # so allowed roles get a 404 and the relationship checks live in tests/clinic/risk/test_guardians.py
    "GET /api/v1/guardians": read("pa pb admin"),
    "POST /api/v1/guardians": write("pa pb admin", {"guardian_username": "no-such-user", "relationship": "parent"},
                                    statuses=GONE_OK),
    "POST /api/v1/guardians/{guardian_id}/accept": write("pa pb", statuses=GONE_OK),
    "POST /api/v1/guardians/{guardian_id}/revoke": write("pa pb admin", statuses=GONE_OK),
    # consulting rooms
    "GET /api/v1/rooms": read("*"),
    "POST /api/v1/rooms/{room_id}/open": write("d1 d2"),
    "POST /api/v1/rooms/{room_id}/call-next": write("d1", {}),
    "POST /api/v1/rooms/{room_id}/close": write("d1 admin"),
    # each participant's own consultation under way (the world's has ended: 404 for everyone)
    "GET /api/v1/consultations/current": read("*", statuses=frozenset({200, 404})),
    "GET /api/v1/consultations/{consultation_id}": read("pa d1 admin", health=True),
    "GET /api/v1/consultations/{consultation_id}/messages": read("pa d1 admin", health=True),
    "GET /api/v1/consultations/{consultation_id}/patient-summary": read("d1", health=True),
    # TURN credentials only for the participants (admins read consultations, they do not join calls)
    "GET /api/v1/consultations/{consultation_id}/ice-servers": read("pa d1", statuses=frozenset({200, 409})),
    "POST /api/v1/consultations/{consultation_id}/attachments": write("pa d1", multipart=True),
    "GET /api/v1/consultations/{consultation_id}/attachments/{attachment_id}": read("pa d1 admin", health=True),
    "POST /api/v1/consultations/{consultation_id}/end": write("d1", {"note": "again"}),
    # pharmacy
    "GET /api/v1/prescriptions": read("pa pb d1 d2", health=True),  # each lists their own
    "GET /api/v1/medicines": read("*", query="q=amlo"),
    "POST /api/v1/prescriptions": write("d1", {"consultation_id": "{consultation_id}", "items": [AMLODIPINE]}),
    "GET /api/v1/prescriptions/{prescription_id}": read("pa d1 p1 rv", health=True),
    "GET /api/v1/prescriptions/{prescription_id}/verify": read("pa d1 p1 rv", health=True),
    "POST /api/v1/prescriptions/{prescription_id}/review": write("rv", {"decision": "approve"}),
    "GET /api/v1/prescriptions/{prescription_id}/review": read("rv", health=True),
    "POST /api/v1/prescriptions/{prescription_id}/review/flags/{flag_number}": write(
        "rv", {"decision": "override", "reason": "checked"}),
    "POST /api/v1/prescriptions/{prescription_id}/fulfilment": write("pa", {
        "mode": "pickup", "location": {"lat": 29.8683, "lon": 121.5440}}),
    "GET /api/v1/reviews": read("rv", health=True),
    "GET /api/v1/orders/{order_id}": read("pa p1", health=True),
    "POST /api/v1/orders/{order_id}/retry": write("pa"),
    "POST /api/v1/orders/{order_id}/cancel": write("pa"),
    "GET /api/v1/pharmacies": read("*", query="near=29.87,121.55"),
    "POST /api/v1/pharmacies": write("admin"),
    "GET /api/v1/pharmacies/{pharmacy_id}/stock": read("p1 admin"),
    "PUT /api/v1/pharmacies/{pharmacy_id}/stock": write("p1 admin", {"items": [{"code": "C08CA01",
                                                                                "on_hand": 100}]}),
    "GET /api/v1/pharmacy/orders": read("p1 p2 rv", health=True),
    "POST /api/v1/pharmacy/orders/{order_id}/accept": write("p1"),
    "POST /api/v1/pharmacy/orders/{order_id}/prepared": write("p1"),
    "POST /api/v1/pharmacy/orders/{order_id}/picked-up": write("p1"),
    "POST /api/v1/pharmacy/orders/{order_id}/out-for-delivery": write("p1"),
    "POST /api/v1/pharmacy/orders/{order_id}/delivered": write("p1"),
    "POST /api/v1/pharmacy/orders/{order_id}/decline": write("p1", {"reason": "closing early"}),
    # documentation and operations: no data, open to everyone
    "GET /api/v1/openapi.json": read("public"),
    "GET /api/v1/docs": read("public"),
    "GET /api/v1/docs/init.js": read("public"),
    "GET /api/v1/docs/assets/{filename}": read("public"),
    "GET /healthz": read("public"),
    "GET /readyz": read("public"),
    "GET /metrics": read("public"),  # to direct loopback callers (the test client); tests/core/test_operations.py
    "GET /static/{filename}": read("public", statuses=frozenset({404})),
    # the demo consoles: static pages that hold no data (they call the API with the user's token)
    "GET /app/": read("public"),
    "GET /app/{name}": read("public"),
    "GET /app/static/{filename}": read("public", statuses=frozenset({404})),
    "GET /app/vendor/socket.io.min.js": read("public"),
}

# A refusal that is not core.auth's role check concerns an existing object of another party: it must leave a
# "denied" audit entry (the answer stays what it was, a 404 a 404). These refusals concern no patient's
# data and are not audited: the reason is given for each.
UNAUDITED_REFUSALS = {
    "GET /api/v1/schedules/templates/{template_id}": "another doctor's schedule: operational, no patient's data",
    "PATCH /api/v1/schedules/templates/{template_id}": "another doctor's schedule: operational, no patient's data",
    "DELETE /api/v1/schedules/templates/{template_id}": "another doctor's schedule: operational, no patient's data",
    "POST /api/v1/schedules/templates": "another doctor's schedule: operational, no patient's data",
    "DELETE /api/v1/schedules/exceptions/{exception_id}": "another doctor's schedule: operational, no patient's data",
    "POST /api/v1/schedules/exceptions": "another doctor's schedule: operational, no patient's data",
    "POST /api/v1/rooms/{room_id}/call-next": "a room another doctor opened: refused before any patient is called",
    "POST /api/v1/rooms/{room_id}/close": "a room another doctor opened: operational, no patient's data",
    "GET /api/v1/reviews": "pharmacy.access.require_reviewer: a role check (platform reviewers), before any object",
    "POST /api/v1/prescriptions/{prescription_id}/review": "require_reviewer: a role check, before the prescription "
                                                           "is loaded",
    "GET /api/v1/prescriptions/{prescription_id}/review": "require_reviewer: a role check, before the prescription "
                                                          "is loaded",
    "POST /api/v1/prescriptions/{prescription_id}/review/flags/{flag_number}": "require_reviewer: a role check, "
                                                                               "before the prescription is loaded",
}

# Served by the FHIR matrix, not here.
FHIR_ROUTES = {"GET /fhir/metadata", *(f"{m} {p}" for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
                                       for p in ("/fhir", "/fhir/", "/fhir/{path}"))}
PLACEHOLDER_VALUES = {"filename": "swagger-ui.css", "name": "patient", "guardian_id": "no-such-guardian",
                      "flag_number": "1"}

# The order cases run in: reads, then refusals, then the allowed writes, whose effects on the shared
# world come last (cancelling, declining, closing, deleting).
LAST = ("/cancel", "/decline", "/close", "DELETE ", "/revoke", "/reschedule")
