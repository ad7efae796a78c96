"""Risk-control endpoints: rules, decisions, the protocol and consents."""
from flask.views import MethodView

from clinic.risk import consents, decisions, guardians, rulesets
from clinic.risk import services as service
from clinic.risk import triage
from clinic.risk.schemas import (ConsentQuerySchema, ConsentRequestSchema, ConsentSchema, DecisionQuerySchema,
                                 DecisionSchema, EligibilityAnswerSchema, EligibilityRequestSchema, GuardianQuerySchema,
                                 GuardianRequestSchema, GuardianSchema, ProtocolSchema, RuleSetDocumentSchema,
                                 RuleSetPublishSchema, RuleSetVersionQuerySchema, TriageAnswerSchema,
                                 TriageRequestSchema)
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import page_of

bp = Blueprint("risk", __name__, url_prefix="/api/v1", description="Risk control of online treatment")


def _with_status(consent):
    consent.status = consents.consent_state(consent)
    return consent


@bp.route("/risk/rules")
class Rules(MethodView):
    @require_role("admin", "doctor")
    @bp.doc(operationId="getRuleSet")
    @bp.response(200, RuleSetDocumentSchema)
    def get(self):
        """The rule set in force (admins and doctors)."""
        data, row = rulesets.active_ruleset_document()
        meta = {"source": "published", "published_at": row.published_at.isoformat(),
                "published_by": row.published_by} if row else {"source": "packaged"}
        return {**data, **meta}

    @require_role("admin")
    @bp.doc(operationId="publishRuleSet")
    @bp.errors({409: "A rule set with this version is already published."})
    @bp.arguments(RuleSetPublishSchema)
    @bp.response(201, RuleSetDocumentSchema)
    def post(self, body):
        """Publish a new rule-set version (validated first; the active version stays on any error)."""
        row = rulesets.publish_ruleset(current_actor(), body)
        return {**body, "source": "published", "published_at": row.published_at.isoformat(),
                "published_by": row.published_by}


@bp.route("/risk/rules/versions")
class RuleVersions(MethodView):
    @require_role("admin", "doctor")
    @bp.doc(operationId="listRuleSetVersions")
    @bp.arguments(RuleSetVersionQuerySchema, location="query")
    @bp.response(200, page_of(RuleSetDocumentSchema))
    def get(self, query):
        """Every published rule-set version, newest (the one in force) first, each in full (to compare them)."""
        page = query["page"]
        return page.answer(rulesets.version_document(row) for row in rulesets.version_rows(page))


@bp.route("/risk/decisions")
class Decisions(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="listRiskDecisions")
    @bp.errors({403: "Only patients (their own), doctors (their patients') and administrators."})
    @bp.arguments(DecisionQuerySchema, location="query")
    @bp.response(200, page_of(DecisionSchema))
    def get(self, query):
        """The decision log: a patient's own, a doctor's patients', or (admin) anyone's."""
        page = query["page"]
        rows = decisions.list_decisions(current_actor(), query.get("patient_id"), page)
        return page.answer(decisions.decision_to_dict(r) for r in rows)


@bp.route("/consents/protocol")
class Protocol(MethodView):
    @require_role()
    @bp.doc(operationId="getProtocol")
    @bp.response(200, ProtocolSchema)
    def get(self):
        """The current online-treatment protocol text and version."""
        return consents.current_protocol() or consents.shipped_protocol()


@bp.route("/consents")
class Consents(MethodView):
    @require_role("patient")
    @bp.doc(operationId="signConsent")
    @bp.errors({409: "An earlier protocol version was named: sign the current one."})
    @bp.arguments(ConsentRequestSchema)
    @bp.response(201, ConsentSchema)
    @bp.alt_response(200, schema=ConsentSchema, description="Already signed: the consent of this version in force.")
    def post(self, body):
        """Sign the current protocol version (once: signing again while it is in force returns the same consent)."""
        consent, created = consents.sign_consent(current_actor(), body["protocol_version"], body.get("doctor_id"))
        return _with_status(consent), 201 if created else 200

    @require_role("patient", "admin")
    @bp.doc(operationId="listConsents")
    @bp.errors({403: "Patients list their own consents (admins: any patient's, with patient_id)."})
    @bp.arguments(ConsentQuerySchema, location="query")
    @bp.response(200, page_of(ConsentSchema))
    def get(self, query):
        """A patient's signed protocols with their state (valid, expired, revoked), newest first."""
        actor, page = current_actor(), query["page"]
        patient_id = query.get("patient_id") or actor.patient_id
        if not patient_id:
            raise ApiError(422, "patient_id_required", "Name the patient whose consents to list.")
        return page.answer(_with_status(c) for c in consents.list_consents(actor, patient_id, page))


@bp.route("/consents/<string:consent_id>/revoke")
class RevokeConsent(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="revokeConsent")
    @bp.errors({404: "No such consent, or not yours."})
    @bp.response(200, ConsentSchema)
    def post(self, consent_id):
        """Revoke a signed protocol; online care stops until the patient signs again."""
        return _with_status(consents.revoke_consent(current_actor(), consent_id))


@bp.route("/guardians")
class Guardians(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="listGuardians")
    @bp.arguments(GuardianQuerySchema, location="query")
    @bp.response(200, page_of(GuardianSchema))
    def get(self, query):
        """Your guardians and the patients you are guardian of (admins: a patient's guardians)."""
        page = query["page"]
        return page.answer(page.cut(guardians.list_guardians(current_actor(), query.get("patient_id"))))

    @require_role("patient", "admin")
    @bp.doc(operationId="registerGuardian")
    @bp.errors({404: "No such guardian account.", 409: "That guardian is already registered."})
    @bp.arguments(GuardianRequestSchema)
    @bp.response(201, GuardianSchema)
    def post(self, body):
        """Register a guardian: pending until the guardian accepts (an admin's registration is active)."""
        return guardians.register_guardian(current_actor(), body["guardian_username"], body["relationship"],
                                           body.get("patient_id"))


@bp.route("/guardians/<string:guardian_id>/accept")
class AcceptGuardian(MethodView):
    @require_role("patient")
    @bp.doc(operationId="acceptGuardian")
    @bp.errors({404: "No such registration naming you as guardian."})
    @bp.response(200, GuardianSchema)
    def post(self, guardian_id):
        """The named guardian accepts (consents to) the registration."""
        return guardians.accept_guardian(current_actor(), guardian_id)


@bp.route("/guardians/<string:guardian_id>/revoke")
class RevokeGuardian(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="revokeGuardian")
    @bp.errors({404: "No such registration of yours."})
    @bp.response(200, GuardianSchema)
    def post(self, guardian_id):
        """End a registration (the patient, the guardian or an admin)."""
        return guardians.revoke_guardian(current_actor(), guardian_id)


@bp.route("/eligibility")
class Eligibility(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="checkEligibility")
    @bp.errors({403: "Only patients (for themselves), doctors (for their patients) and administrators."})
    @bp.arguments(EligibilityRequestSchema, example={"checkpoint": "book_online", "complaint_code": "I10"})
    @bp.response(200, EligibilityAnswerSchema)
    def post(self, body):
        """Check whether online treatment may go on at a checkpoint, with the reasons and next steps."""
        actor = current_actor()
        patient_id = body.get("patient_id") or actor.patient_id
        if not patient_id:
            raise ApiError(422, "validation_error", "patient_id is required for staff.",
                           title="Request validation failed",
                           errors=[{"field": "patient_id", "message": "required for staff"}])
        doctor_id = body.get("doctor_id") or actor.practitioner_id
        doctor = service.doctor_facts(doctor_id) if doctor_id else None
        location = body.get("location")
        return service.check(actor, body["checkpoint"], patient_id, complaint_code=body.get("complaint_code"),
                             medications=body.get("medications"), guardian_present=body.get("guardian_present"),
                             doctor=doctor, condition_changed=body["condition_changed"], context="api:eligibility",
                             # a referral names where to go in person: near the patient, the doctor's field first
                             specialty=((doctor or {}).get("specialties") or [None])[0],
                             near=(location["lat"], location["lon"]) if location else None)


@bp.route("/triage")
class Triage(MethodView):
    @require_role("patient")
    @bp.doc(operationId="submitTriage")
    @bp.arguments(TriageRequestSchema, example={"symptoms": [], "vitals": {
        "systolic_bp": 132, "diastolic_bp": 84, "heart_rate": 72, "temperature_c": 36.6, "spo2": 98}})
    @bp.response(201, TriageAnswerSchema)
    def post(self, body):
        """Submit the pre-consultation triage; the answer says whether the condition looks stable."""
        actor = current_actor()
        response = triage.submit_triage(actor, body["symptoms"], body["vitals"])
        return {"id": response["id"], "authored": response["authored"],
                "assessment": service.assess_triage(triage.triage_from_response(response))}
