"""Risk-control endpoints: rules, decisions, the protocol and consents."""
from flask.views import MethodView
from flask_smorest import Blueprint

from clinic.riskcontrol import consents, decisions, rulesets
from clinic.riskcontrol.schemas import (
    ConsentRequestSchema, ConsentSchema, DecisionQuerySchema, DecisionSchema, ProtocolSchema,
    RuleSetDocumentSchema, RuleSetPublishSchema,
)
from core.auth import current_actor, require_role

bp = Blueprint("risk", __name__, url_prefix="/api/v1", description="Risk control of online treatment")


def _with_status(consent):
    consent.status = consents.consent_state(consent)
    return consent


@bp.route("/risk/rules")
class Rules(MethodView):
    @require_role("admin", "doctor")
    @bp.response(200, RuleSetDocumentSchema)
    def get(self):
        """The rule set in force (admins and doctors)."""
        data, row = rulesets.active_ruleset_document()
        meta = {"source": "published", "published_at": row.published_at.isoformat(),
                "published_by": row.published_by} if row else {"source": "packaged"}
        return {**data, **meta}

    @require_role("admin")
    @bp.arguments(RuleSetPublishSchema)
    @bp.response(201, RuleSetDocumentSchema)
    def post(self, body):
        """Publish a new rule-set version (validated first; the active version stays on any error)."""
        row = rulesets.publish_ruleset(current_actor(), body)
        return {**body, "source": "published", "published_at": row.published_at.isoformat(),
                "published_by": row.published_by}


@bp.route("/risk/decisions")
class Decisions(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.arguments(DecisionQuerySchema, location="query")
    @bp.response(200, DecisionSchema(many=True))
    def get(self, query):
        """The decision log: a patient's own, a doctor's patients', or (admin) anyone's."""
        rows = decisions.list_decisions(current_actor(), query.get("patient_id"), query["limit"])
        return [decisions.decision_to_dict(r) for r in rows]


@bp.route("/consents/protocol")
class Protocol(MethodView):
    @bp.response(200, ProtocolSchema)
    def get(self):
        """The current online-treatment protocol text and version."""
        current_actor()
        return consents.current_protocol() or consents.shipped_protocol()


@bp.route("/consents")
class Consents(MethodView):
    @require_role("patient")
    @bp.arguments(ConsentRequestSchema)
    @bp.response(201, ConsentSchema)
    def post(self, body):
        """Sign the current protocol version."""
        return _with_status(consents.sign_consent(current_actor(), body["protocol_version"], body.get("doctor_id")))


@bp.route("/consents/<string:consent_id>/revoke")
class RevokeConsent(MethodView):
    @require_role("patient", "admin")
    @bp.response(200, ConsentSchema)
    def post(self, consent_id):
        """Revoke a signed protocol; online care stops until the patient signs again."""
        return _with_status(consents.revoke_consent(current_actor(), consent_id))
