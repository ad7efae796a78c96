"""Home measurements: record one reading (checked, stored, its Observation written), raise the alerts of the
patient's active plans whose thresholds it crosses (the plan's doctor is notified with the rule that fired),
list readings and summarise trends; the care team's open alerts."""
import json
from datetime import timedelta

from sqlalchemy import func, select

from clinic.careplans import CarePlan, fired_rules
from clinic.directory import Doctor
from clinic.directory import services as directory
from clinic.measurements import fhir
from clinic.measurements.kinds import KINDS, canonical_values
from clinic.measurements.models import Measurement, MeasurementAlert
from clinic.notifications import services as notifications
from core import auth, clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.models import User

FUTURE_TOLERANCE = timedelta(minutes=5)  # device clocks drift a little


def _invalid(errors):
    return ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                    errors=errors)


def may_see_patient(actor, patient_id):
    if actor.is_admin:
        return True
    if actor.role == "patient":
        return actor.patient_id == patient_id
    return actor.role == "doctor" and auth.has_relationship(actor, "cares_for_patient", patient_id)


def patient_for(actor, patient_id, action, entity):
    """The patient whose readings are asked for (a patient's own by default); 403 audited otherwise."""
    patient_id = patient_id or actor.patient_id
    if not patient_id:
        raise _invalid([{"field": "patient_id", "message": "is required"}])
    if not may_see_patient(actor, patient_id):
        record_access(actor, action, entity, f"Patient/{patient_id}", outcome="denied",
                      detail={"reason": "not the patient, their doctor or an admin"})
        raise ApiError(403, "forbidden", "You may not see this patient's measurements.")
    return patient_id


def record_measurement(actor, body):
    """Store a patient's own reading (the app or a device with the patient's token) and raise its alerts."""
    values, errors = canonical_values(body["code"], body)
    now = clock.now()
    measured_at = body.get("measured_at") or now
    if measured_at > now + FUTURE_TOLERANCE:
        errors.append({"field": "measured_at", "message": "must not be in the future"})
    if errors:
        raise _invalid(errors)
    kind = body["code"]
    first, *rest = values.values()
    row = Measurement(patient_id=actor.patient_id, code=kind, value=first, value2=rest[0] if rest else None,
                      unit=KINDS[kind]["unit"], measured_at=measured_at, method=body["method"],
                      device=body.get("device"), entered_by=actor.user_id, created_at=now)
    db.session.add(row)
    db.session.flush()
    alerts, fired_any = _raise_alerts(row, values)
    fhir.write_view(row, fired_any)
    record_access(actor, "create", f"Observation/{fhir.view_id(row.id)}", f"Patient/{row.patient_id}")
    row.alerts = alerts
    return row


def _raise_alerts(row, values):
    alerts, fired_any = [], []
    plans = db.session.scalars(select(CarePlan).where(CarePlan.patient_id == row.patient_id,
                                                      CarePlan.status == "active"))
    for plan in plans:
        fired = fired_rules(json.loads(plan.thresholds), row.code, values)
        if not fired:
            continue
        rule = fired[0]
        fired_any = fired_any or fired
        alert = MeasurementAlert(plan_id=plan.id, patient_id=row.patient_id, measurement_id=row.id,
                                 rule_id=rule["id"], severity=rule["severity"], status="open",
                                 reason=f"{rule['text']}: {_reading(row)}", created_at=row.created_at)
        db.session.add(alert)
        db.session.flush()
        alerts.append(alert)
        _tell_care_team(plan, alert)
    return alerts, fired_any


def _reading(row):
    if row.code == "blood-pressure":
        return f"{row.value:g}/{row.value2:g} {row.unit}"
    return f"{row.value:g} {row.unit}"


def _tell_care_team(plan, alert):
    doctor = db.session.get(Doctor, plan.doctor_id)
    users = db.session.scalars(select(User.id).where(User.practitioner_id == doctor.practitioner_id,
                                                     User.role == "doctor", User.is_active.is_(True)))
    for user_id in users:
        notifications.notify_user(user_id, "measurement_alert", f"{alert.severity.title()} home reading",
                                  alert.reason, {"alert_id": alert.id, "care_plan_id": plan.id,
                                                 "patient_id": plan.patient_id, "rule_id": alert.rule_id})


def readings(patient_id, code=None, since=None):
    stmt = select(Measurement).where(Measurement.patient_id == patient_id)
    if code:
        stmt = stmt.where(Measurement.code == code)
    if since:
        stmt = stmt.where(Measurement.measured_at >= since)
    return stmt.order_by(Measurement.measured_at.desc(), Measurement.id)


def summary(patient_id, since=None):
    """Per kind: how many readings, the last, and the average, lowest and highest (both pressures for BP)."""
    answer = []
    for kind in KINDS:
        stmt = select(func.count(), func.avg(Measurement.value), func.min(Measurement.value),
                      func.max(Measurement.value), func.avg(Measurement.value2), func.min(Measurement.value2),
                      func.max(Measurement.value2)).where(Measurement.patient_id == patient_id,
                                                          Measurement.code == kind)
        if since:
            stmt = stmt.where(Measurement.measured_at >= since)
        count, avg, low, high, avg2, low2, high2 = db.session.execute(stmt).one()
        if not count:
            continue
        last = db.session.scalars(readings(patient_id, kind, since).limit(1)).first()
        entry = {"code": kind, "unit": KINDS[kind]["unit"], "count": count, "last": _values(last.value, last.value2),
                 "last_at": last.measured_at, "avg": _values(avg, avg2), "min": _values(low, low2),
                 "max": _values(high, high2)}
        answer.append(entry)
    return answer


def _values(value, value2):
    if value2 is None:
        return {"value": round(value, 2)}
    return {"systolic": round(value, 1), "diastolic": round(value2, 1)}


def alerts_for(actor, status=None, patient_id=None):
    """The alerts of the caller's plans (a doctor), or every plan's (an admin), newest first."""
    stmt = select(MeasurementAlert)
    if actor.role == "doctor":
        stmt = stmt.join(CarePlan, CarePlan.id == MeasurementAlert.plan_id).where(
            CarePlan.doctor_id == directory.own_doctor_id(actor))
    if status:
        stmt = stmt.where(MeasurementAlert.status == status)
    if patient_id:
        stmt = stmt.where(MeasurementAlert.patient_id == patient_id)
    return stmt.order_by(MeasurementAlert.created_at.desc(), MeasurementAlert.id)


def close_alert(actor, alert_id, note=None):
    """The plan's doctor (or an admin) closes an alert once handled; closing twice changes nothing."""
    alert = db.session.get(MeasurementAlert, alert_id)
    plan = db.session.get(CarePlan, alert.plan_id) if alert else None
    if alert is None or not (actor.is_admin or plan.doctor_id == directory.own_doctor_id(actor)):
        if alert is not None:
            record_access(actor, "update", f"MeasurementAlert/{alert.id}", f"Patient/{alert.patient_id}",
                          outcome="denied", detail={"reason": "not the plan's doctor"})
        raise ApiError(404, "not_found", "No such alert.")
    if alert.status == "open":
        alert.status, alert.closed_at, alert.closed_by, alert.note = "closed", clock.now(), actor.user_id, note
        db.session.flush()
    record_access(actor, "update", f"MeasurementAlert/{alert.id}", f"Patient/{alert.patient_id}")
    return alert
