"""The home-measurement API: post a reading, list and summarise a patient's readings, the care team's alerts."""
from flask.views import MethodView

from clinic.measurements import services
from clinic.measurements import schemas
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("measurements", __name__, url_prefix="/api/v1/measurements", description="Home measurements")


@bp.route("")
class Measurements(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="listMeasurements")
    @bp.errors({403: "Not the patient, their doctor or an admin."})
    @bp.arguments(schemas.MeasurementQuerySchema, location="query")
    @bp.response(200, page_of(schemas.MeasurementSchema))
    def get(self, query):
        """A patient's readings, newest first (`code`, `since`: the trend of one kind)."""
        actor = current_actor()
        patient_id = services.patient_for(actor, query.get("patient_id"), "search", "Observation")
        record_access(actor, "search", "Observation", f"Patient/{patient_id}", detail={"view": "measurements"})
        page = query["page"]
        return page.answer(page.rows(services.readings(patient_id, query.get("code"), query.get("since"))))

    @require_role("patient")
    @bp.doc(operationId="recordMeasurement")
    @bp.arguments(schemas.MeasurementInSchema)
    @bp.response(201, schemas.MeasurementRecordedSchema)
    def post(self, body):
        """Record one of your readings (the app or your device); the alerts it raised come back with it."""
        return services.record_measurement(current_actor(), body)


@bp.route("/summary")
class Summary(MethodView):
    @require_role("patient", "doctor", "admin")
    @bp.doc(operationId="getMeasurementSummary")
    @bp.errors({403: "Not the patient, their doctor or an admin."})
    @bp.arguments(schemas.MeasurementSummaryQuerySchema, location="query")
    @bp.response(200, schemas.MeasurementSummarySchema)
    def get(self, query):
        """Per kind: count, last, average, lowest and highest (since `since`)."""
        actor = current_actor()
        patient_id = services.patient_for(actor, query.get("patient_id"), "read", "Observation")
        record_access(actor, "read", "Observation", f"Patient/{patient_id}", detail={"view": "measurement summary"})
        return {"patient_id": patient_id, "since": query.get("since"),
                "codes": services.summary(patient_id, query.get("since"))}


@bp.route("/alerts")
class Alerts(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="listMeasurementAlerts")
    @bp.arguments(schemas.MeasurementAlertQuerySchema, location="query")
    @bp.response(200, page_of(schemas.MeasurementAlertSchema))
    def get(self, query):
        """The alerts of your plans (an admin: every plan's), newest first; `status=open` for the work list."""
        actor = current_actor()
        page = query["page"]
        rows = page.rows(services.alerts_for(actor, query.get("status"), query.get("patient_id")))
        for patient_id in sorted({row.patient_id for row in rows}) or [None]:
            record_access(actor, "search", "MeasurementAlert", f"Patient/{patient_id}" if patient_id else None)
        return page.answer(rows)


@bp.route("/alerts/<string:alert_id>/close")
class CloseAlert(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="closeMeasurementAlert")
    @bp.errors({404: "No such alert, or not of your plans."})
    @bp.arguments(schemas.MeasurementCloseAlertSchema)
    @bp.response(200, schemas.MeasurementAlertSchema)
    def post(self, body, alert_id):
        """Close an alert once handled (the plan's doctor or an admin)."""
        return services.close_alert(current_actor(), alert_id, body.get("note"))
