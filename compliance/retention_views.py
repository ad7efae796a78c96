"""Retention API (admin): the rules, the runs (dry or real) with their reports; patients' erasure requests."""
import json

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from compliance import retention
from compliance.models import ErasureRequest, RetentionRun
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("retention", __name__, url_prefix="/api/v1/retention", description="Retention and erasure (admin)")


class RuleSchema(Schema):
    kind = fields.String(required=True)
    period_days = fields.Integer(required=True)
    minimum_days = fields.Integer(required=True)
    basis = fields.String(required=True)
    action = fields.String(required=True, metadata={"description": "purge: removed when past; report: counted"})
    updated_at = fields.DateTime(allow_none=True)


class RuleInSchema(Schema):
    period_days = fields.Integer(required=True, validate=validate.Range(min=1, max=36600))


class RunInSchema(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "Count only (the default)"})


class RunSchema(Schema):
    id = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    started_by = fields.String(allow_none=True)
    started_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    report = fields.Function(lambda run: json.loads(run.report) if run.report else None)


class ErasureInSchema(Schema):
    patient_id = fields.String(validate=validate.Length(min=1, max=64),
                               metadata={"description": "An admin names the patient; a patient asks for themself"})


class ErasureSchema(Schema):
    id = fields.String(required=True)
    patient_id = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    note = fields.Function(lambda row: json.loads(row.note) if row.note else None)
    honoured_at = fields.DateTime(allow_none=True)


@bp.route("/rules")
class Rules(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listRetentionRules")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(RuleSchema))
    def get(self, query):
        """Every kind's retention rule (one short page: the kinds are few)."""
        page = query["page"]
        return page.answer(page.cut(retention.rules()))


@bp.route("/rules/<string:kind>")
class RuleByKind(MethodView):
    @require_role("admin")
    @bp.doc(operationId="setRetentionRule")
    @bp.errors({404: "No such kind.", 422: "Below the kind's legal minimum."})
    @bp.arguments(RuleInSchema)
    @bp.response(200, RuleSchema)
    def put(self, body, kind):
        """Set how long a kind is kept (days from its basis date)."""
        return retention.set_rule(current_actor(), kind, body["period_days"])


@bp.route("/runs")
class Runs(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listRetentionRuns")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(RunSchema))
    def get(self, query):
        """The runs, newest first, with their reports."""
        page = query["page"]
        return page.answer(page.rows(select(RetentionRun).order_by(RetentionRun.started_at.desc(),
                                                                    RetentionRun.id)))

    @require_role("admin")
    @bp.doc(operationId="startRetentionRun")
    @bp.arguments(RunInSchema)
    @bp.response(201, RunSchema)
    def post(self, body):
        """Run retention now: a dry run counts what would go; a real one removes it (never what a hold keeps)."""
        return retention.run_retention(current_actor(), body["dry_run"])


@bp.route("/erasure-requests")
class ErasureRequests(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listErasureRequests")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(ErasureSchema))
    def get(self, query):
        """Patients' erasure requests, oldest first."""
        page = query["page"]
        return page.answer(page.rows(select(ErasureRequest).order_by(ErasureRequest.requested_at, ErasureRequest.id)))

    @require_role("patient", "admin")
    @bp.doc(operationId="requestErasure")
    @bp.errors({422: "An admin must name the patient."})
    @bp.arguments(ErasureInSchema)
    @bp.response(201, ErasureSchema)
    def post(self, body):
        """Ask for a patient's data to be erased: done by the retention runs once each kind's legal minimum allows."""
        actor = current_actor()
        patient_id = actor.patient_id if actor.role == "patient" else body.get("patient_id")
        if not patient_id:
            raise ApiError(422, "patient_required", "Name the patient (patient_id).")
        return retention.request_erasure(actor, patient_id)
