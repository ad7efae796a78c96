"""The app-API authorisation matrix: for every route (as the Flask URL map spells it) who may act on
patient A's objects. Every other role must get 401 (anonymous) or 403/404, and no role may see data of a
patient it has no business with (tests/reliability/authz/test_api_matrix.py).

An entry is Rule(allowed roles, ...). Roles: anon, pa, pb (patients A and B), d1 (A's doctor), d2 (a doctor
with no care of A), p1 (pharmacy the order is routed to), p2 (another pharmacy), rv (platform reviewer),
admin, n1 (the nurse of A's home visit), reg (the regulator: allowed only where named). "*" is every
authenticated role but reg, "public" everyone. Path placeholders name objects of the world.
`health`: a successful call reads health data, so it must leave an audit entry with its request id.
`statuses`: what an allowed role may get besides 200 (writes on a fixed world: 409, 422 ... are fine).
`skip`: allowed roles not run here, with the reason.
"""
from dataclasses import dataclass, field

ALL = "pa pb d1 d2 p1 p2 rv admin n1"
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
        names = self.allowed.replace("*", ALL).replace("public", "anon reg " + ALL).split()
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
    "POST /api/v1/auth/password-codes": write("public", statuses=frozenset({422})),  # body {}: no phone
    "POST /api/v1/auth/password-reset": write("public", statuses=frozenset({422})),  # body {}: no phone, code
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
    "GET /api/v1/specialties": read("*"),
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
    "GET /api/v1/reports/chronic-care": read("admin"),
    "GET /api/v1/reports/room-utilisation": read("admin", query="from=2020-01-01T00:00:00Z&to=2099-01-01T00:00:00Z"),
    # chronic care (issue 20): care plans, home measurements and their alerts
    "GET /api/v1/care-plans": read("pa pb d1 d2 admin", health=True),
    "POST /api/v1/care-plans": write("d1", {"patient_id": "{patient_id}", "template": "diabetes"}, health=True),
    "GET /api/v1/care-plans/{plan_id}": read("pa d1 admin", health=True),
    "GET /api/v1/care-plans/{plan_id}/adherence": read("pa d1 admin", health=True),
    "POST /api/v1/care-plans/{plan_id}/recheck": write("pa d1 admin", health=True),
    "POST /api/v1/care-plans/{plan_id}/end": write("d1 admin", {"status": "completed"}),
    "GET /api/v1/measurements": read("pa d1 admin", query="patient_id={patient_id}", health=True),
    "POST /api/v1/measurements": write("pa pb", {"code": "weight", "value": 70.5}, health=True),
    "GET /api/v1/measurements/summary": read("pa d1 admin", query="patient_id={patient_id}", health=True),
    "GET /api/v1/measurements/alerts": read("d1 d2 admin", health=True),
    "POST /api/v1/measurements/alerts/{alert_id}/close": write("d1 admin"),
    "GET /api/v1/service-requests": read("pa pb d1 d2 admin", health=True),
    "POST /api/v1/service-requests": write("d1", {"patient_id": "{patient_id}", "test": "creatinine"}, health=True),
    "GET /api/v1/service-requests/{service_request_id}": read("pa d1 admin", health=True),
    "GET /api/v1/service-requests/{service_request_id}/places": read("pa d1 admin", query="date=2099-01-01"),
    "POST /api/v1/service-requests/{service_request_id}/booking": write(
        "pa", {"institution_id": "{institution_id}", "date": "2099-01-01"}),
    "POST /api/v1/service-requests/{service_request_id}/report": write("d1 admin",
                                                                      {"results": [{"code": "4548-4", "value": 6.5}]}),
    "GET /api/v1/inspections": read("pa pb d1 d2 admin", health=True),
    "GET /api/v1/nursing/services": read("*"),
    "PUT /api/v1/nursing/nurses": write("admin", {"user_id": "{nurse_user_id}", "institution_id": "{institution_id}"}),
    "POST /api/v1/nursing/orders": write("d1", {"patient_id": "{patient_id}", "service": "injection"}, health=True),
    "GET /api/v1/nursing/requests": read("pa pb n1 admin", health=True),
    "POST /api/v1/nursing/requests": write("pa pb", {"service": "wound-care", "address": "2 Matrix Lane",
                                                     "latitude": 29.88, "longitude": 121.55,
                                                     "window_start": "2099-01-01T01:00:00Z",
                                                     "window_end": "2099-01-01T03:00:00Z"}),
    "GET /api/v1/nursing/requests/{nursing_request_id}": read("pa d1 n1 admin", health=True),
    "GET /api/v1/nursing/visits": read("pa pb n1 admin", health=True),
    "GET /api/v1/nursing/visits/{visit_id}": read("pa n1 admin", health=True),
    "POST /api/v1/nursing/visits/{visit_id}/check-in": write("n1", {"latitude": 29.88, "longitude": 121.55}),
    "POST /api/v1/nursing/visits/{visit_id}/check-out": write("n1", {"latitude": 29.88, "longitude": 121.55}),
    "GET /api/v1/inspections/tests": read("*"),
    "GET /api/v1/inspections/offers": read("*"),
    "PUT /api/v1/inspections/offers": write("admin", {"institution_id": "{institution_id}", "test": "ecg",
                                                     "daily_capacity": 3}),
    # risk control
    "GET /api/v1/risk/rules": read("d1 d2 admin"),
    "POST /api/v1/risk/rules": write("admin"),
    "GET /api/v1/risk/rules/versions": read("d1 d2 admin"),
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
    # billing (issue 19): A's appointment's charge and its open payment
    "GET /api/v1/charges": read("pa pb admin", health=True),
    "GET /api/v1/charges/{charge_id}": read("pa admin", health=True),
    "GET /api/v1/charges/{charge_id}/receipt": read("pa admin", health=True),
    "POST /api/v1/payments": write("pa", {"charge_id": "{charge_id}"}),
    "GET /api/v1/payments/{payment_id}": read("pa admin", health=True),
    "POST /api/v1/payments/{payment_id}/query": write("pa admin"),
    "POST /sandbox/pay/{provider_ref}": write("public", statuses=frozenset({404})),  # the sandbox's cashier
    "POST /api/v1/payments/notify/{provider}": write("public", statuses=frozenset({401})),  # unsigned: 401
    "POST /api/v1/refunds": write("pa admin", {"charge_id": "{charge_id}"}),
    "GET /api/v1/fees": read("admin"),
    "POST /api/v1/fees": write("admin"),
    "GET /api/v1/settlements": read("admin", query="date=2026-12-06"),
    "GET /api/v1/reconciliation": read("admin", query="date=2026-12-06"),
    # documentation and operations: no data, open to everyone
    "GET /api/v1/openapi.json": read("public"),
    "GET /api/v1/docs": read("public"),
    "GET /api/v1/docs/init.js": read("public"),
    "GET /api/v1/docs/assets/{filename}": read("public"),
    "GET /healthz": read("public"),
    # compliance: the regulator's feed and traces; admins' endpoints, holds and retention
    "GET /api/v1/supervision/feed": read("reg admin", health=True),
    "GET /api/v1/trace/{prescription_id}": read("reg admin", health=True),
    # push endpoints: the world has none (tests/compliance/test_push.py), so the named one is a 404
    "GET /api/v1/supervision/endpoints": read("admin"),
    "POST /api/v1/supervision/endpoints": write("admin"),
    "GET /api/v1/supervision/endpoints/{endpoint_id}": read("admin", statuses=frozenset({404})),
    "PATCH /api/v1/supervision/endpoints/{endpoint_id}": write("admin", statuses=frozenset({404})),
    "DELETE /api/v1/supervision/endpoints/{endpoint_id}": write("admin", statuses=frozenset({404})),
    "GET /api/v1/supervision/endpoints/{endpoint_id}/dead-letters": read("admin", statuses=frozenset({404})),
    "POST /api/v1/supervision/endpoints/{endpoint_id}/replay": write("admin", statuses=frozenset({404})),
    # legal holds: the world has none (tests/compliance/test_holds.py)
    "GET /api/v1/holds": read("admin"),
    "POST /api/v1/holds": write("admin"),
    "GET /api/v1/holds/{hold_id}": read("admin", statuses=frozenset({404})),
    "POST /api/v1/holds/{hold_id}/lift": write("admin", statuses=frozenset({404, 422})),
    # retention (the runs the matrix starts are dry runs: body {}); patients ask for their own erasure
    "GET /api/v1/retention/rules": read("admin"),
    "PUT /api/v1/retention/rules/{kind}": write("admin"),
    "GET /api/v1/retention/runs": read("admin"),
    "POST /api/v1/retention/runs": write("admin"),
    "GET /api/v1/retention/erasure-requests": read("admin"),
    "POST /api/v1/retention/erasure-requests": write("pa pb admin"),
    "GET /readyz": read("public"),
    "GET /metrics": read("public"),  # to direct loopback callers (the test client); tests/core/test_operations.py
    "GET /static/{filename}": read("public", statuses=frozenset({404})),
    # the demo consoles: static pages that hold no data (they call the API with the user's token)
    "GET /app/": read("public"),
    "GET /app/{name}": read("public"),
    "GET /app/static/{filename}": read("public", statuses=frozenset({404})),
    "GET /app/vendor/socket.io.min.js": read("public"),
    # SMART on FHIR (smart/): discovery and the OAuth endpoints are public (a client authenticates in the body);
    # the calls here carry no OAuth parameters, so each is a 400/401 OAuth error. The flows: tests/smart/.
    "GET /.well-known/smart-configuration": read("public"),
    "GET /fhir/.well-known/smart-configuration": read("public"),
    "GET /.well-known/jwks.json": read("public"),
    "GET /oauth/authorize": read("public", statuses=frozenset({400})),
    "POST /oauth/authorize": write("public", statuses=frozenset({400})),
    "POST /oauth/token": write("public", statuses=frozenset({400, 401})),
    "POST /oauth/revoke": write("public", statuses=frozenset({400, 401})),
    "POST /oauth/introspect": write("public", statuses=frozenset({400, 401})),
    "GET /api/v1/smart/clients": read("admin"),
    "POST /api/v1/smart/clients": write("admin"),
    "DELETE /api/v1/smart/clients/{client_id}": write("admin", statuses=GONE_OK),
    "GET /api/v1/me/apps": read("*"),  # the caller's own authorised apps
    "DELETE /api/v1/me/apps/{client_id}": write("*", statuses=GONE_OK),  # none authorised here: 404
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
# Bulk Data (smart/bulk) answers OperationOutcomes like the rest of /fhir: kick-off for administrators and backend
# clients only, status and files for whoever asked; its refusals are tested in tests/smart/test_bulk_export.py.
FHIR_ROUTES |= {"GET /fhir/$export", "GET /fhir/Patient/$export", "GET /fhir/Group/{group_id}/$export",
                "POST /fhir/$export", "POST /fhir/Patient/$export", "POST /fhir/Group/{group_id}/$export",
                "GET /fhir/bulk-status/{job_id}", "DELETE /fhir/bulk-status/{job_id}",
                "GET /fhir/bulk-files/{job_id}/{filename}"}
PLACEHOLDER_VALUES = {"filename": "swagger-ui.css", "name": "patient", "guardian_id": "no-such-guardian",
                      "flag_number": "1", "endpoint_id": "no-such-endpoint",
                      "hold_id": "no-such-hold", "kind": "audit_log", "provider": "sandbox",
                      "provider_ref": "no-such-trade"}
PLACEHOLDER_VALUES["client_id"] = "no-such-client"  # SMART: a client nobody registered

# The order cases run in: reads, then refusals, then the allowed writes, whose effects on the shared
# world come last (cancelling, declining, closing, deleting).
LAST = ("/cancel", "/decline", "/close", "DELETE ", "/revoke", "/reschedule")
