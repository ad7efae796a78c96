"""The life of a consultation: the doctor calls the next patient in (risk-checked), the patient joins,
the doctor ends it (outcome into the health record), or a sweep expires the invite / closes it idle.

invited --patient joins--> active --end / idle--> closed;  invited --timeout--> expired.
A start that risk control refuses stores no consultation at all (only the audited decision and the
appointment's referral, see `_refuse`). Every status change is a conditional update on the
expected status, so a sweep and a doctor racing to close the same consultation cannot both win.
"""
import re

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from clinic.consult import closeout, queue_link
from clinic.consult.access import consultation_for, require_doctor
from clinic.consult.models import Consultation, ConsultParticipant, ConsultRoom
from clinic.consult.patient_view import patient_facts
from clinic.consult.push import consultation_room, push, user_room
from clinic.consult.rooms import get_room
from clinic.risk import services as risk
from core import clock, reporting, transaction
from core.audit import record_access
from core.dbutil import conditional_update
from core.errors import ApiError
from core.extensions import db
from core.transaction import begin_write
from records import api as records

_ICD10_PREFIX = re.compile(r"^\s*([A-Za-z][0-9]{2}(?:\.[0-9A-Za-z]{1,4})?)(?![0-9A-Za-z.])")


def complaint_from_reason(reason):
    """The ICD-10 code an appointment reason starts with ("I10 follow-up" -> "I10"), or None."""
    match = _ICD10_PREFIX.match(reason or "")
    return match.group(1).upper() if match else None


def guardian_present(consultation_id):
    """True when a registered guardian takes part in the consultation (invited with the child by the queue),
    else None: the fact stays missing and the young-child rule fails safe."""
    return db.session.scalar(select(ConsultParticipant.user_id).where(
        ConsultParticipant.consultation_id == consultation_id, ConsultParticipant.role == "guardian").limit(1)) \
        is not None or None


def participants_of(consultation):
    """[{user_id, role}] of the consultation."""
    rows = db.session.execute(select(ConsultParticipant.user_id, ConsultParticipant.role).where(
        ConsultParticipant.consultation_id == consultation.id).order_by(ConsultParticipant.role))
    return [{"user_id": user_id, "role": role} for user_id, role in rows]


def consultation_to_dict(consultation):
    """The API view of a consultation."""
    fields = ("id", "room_id", "appointment_id", "patient_id", "patient_user_id", "practitioner_id", "doctor_user_id",
              "status", "complaint_code", "last_seq", "invited_at", "started_at", "last_activity_at", "ended_at",
              "end_reason", "risk_decision_id", "encounter_id", "outcome")
    return {**{f: getattr(consultation, f) for f in fields}, "participants": participants_of(consultation),
            "patient": patient_facts(consultation)}


def read_consultation(actor, consultation_id):
    """A consultation the actor takes part in (admins: any); audited."""
    consultation = consultation_for(actor, consultation_id)
    record_access(actor, "read", f"Consultation/{consultation.id}", f"Patient/{consultation.patient_id}")
    return consultation


def _tell_everyone(consultation, event_name, payload):
    """Push to each participant's personal room (reaches them whether or not they joined)."""
    for participant in participants_of(consultation):
        push(event_name, payload, user_room(participant["user_id"]))


def _free_room(consultation):
    conditional_update(ConsultRoom, [ConsultRoom.id == consultation.room_id,
                                     ConsultRoom.current_consultation_id == consultation.id],
                       {"current_consultation_id": None, "updated_at": clock.now()})


def _claim(consultation, expected, **values):
    """Move the consultation from `expected` to values["status"]; False when someone else moved it first."""
    done = conditional_update(Consultation, [Consultation.id == consultation.id, Consultation.status == expected],
                              values)
    if done:
        db.session.refresh(consultation)
    return bool(done)


def call_next(actor, room_id, complaint_code=None):
    """Invite the next checked-in online patient into the doctor's open room; returns (consultation, risk answer)."""
    room = get_room(room_id, lock=True)
    if actor.role != "doctor" or room.doctor_user_id != actor.user_id or room.status != "open":
        raise ApiError(403, "forbidden", "Open the room yourself before calling patients into it.")
    if room.current_consultation_id:
        raise ApiError(409, "room_busy", "A consultation is under way in this room.")
    appointment = queue_link.next_checked_in(actor, {"id": room.id, "clinic": room.clinic,
                                                     "institution_id": room.institution_id})
    if appointment is None:
        raise ApiError(409, "queue_empty", "No checked-in online patient is waiting.")
    code = complaint_code or appointment.get("complaint_code") or complaint_from_reason(appointment.get("reason"))
    consultation = Consultation(room_id=room.id, appointment_id=appointment["id"],
                                patient_id=appointment["patient_id"], patient_user_id=appointment["user_id"],
                                practitioner_id=actor.practitioner_id, doctor_user_id=actor.user_id,
                                status="invited", complaint_code=code, reason=(appointment.get("reason") or None),
                                invited_at=clock.now())
    db.session.add(consultation)
    members = {appointment["user_id"]: "patient", actor.user_id: "doctor"}
    for guardian in appointment.get("guardian_user_ids") or ():
        members.setdefault(guardian, "guardian")
    try:
        with db.session.begin_nested():  # the partial unique indexes: one live consultation per room/appointment
            db.session.flush()
            db.session.add_all(ConsultParticipant(consultation_id=consultation.id, user_id=user_id, role=role)
                               for user_id, role in members.items())
            db.session.flush()
    except IntegrityError:
        raise ApiError(409, "room_busy", "A consultation is already under way for this room or appointment.") from None
    if not conditional_update(ConsultRoom, [ConsultRoom.id == room.id, ConsultRoom.doctor_user_id == actor.user_id,
                                            ConsultRoom.current_consultation_id.is_(None)],
                              {"current_consultation_id": consultation.id, "updated_at": clock.now()}):
        raise ApiError(409, "room_busy", "A consultation is under way in this room.")
    answer = _check_start(actor, consultation, appointment["id"])
    if not answer["allowed_online"]:
        _refuse(consultation, answer)  # raises the 422: nothing of this call is kept but the decision and its effect
    consultation.risk_decision_id = answer["decision_id"]
    expires = current_app.config["CONSULT_INVITE_TIMEOUT_SECONDS"]
    invite = {"consultation_id": consultation.id, "room_id": room.id, "room_name": room.name,
              "appointment_id": consultation.appointment_id, "doctor_user_id": actor.user_id,
              "doctor_name": actor.name, "expires_in_seconds": expires}
    for participant in participants_of(consultation):
        if participant["role"] != "doctor":
            push("invited", invite, user_room(participant["user_id"]))
    record_access(actor, "create", f"Consultation/{consultation.id}", f"Patient/{consultation.patient_id}")
    return consultation, answer


def _check_start(actor, consultation, appointment_id):
    # The decision is logged against the appointment: a refused consultation is never stored.
    try:
        return risk.check(actor, "start_consultation", consultation.patient_id,
                          complaint_code=consultation.complaint_code, doctor=risk.doctor_facts(actor.practitioner_id),
                          guardian_present=guardian_present(consultation.id), context=f"Appointment/{appointment_id}")
    except records.FhirError as exc:  # records' error type, re-exported by its service API
        raise ApiError(422, "unknown_patient", f"The patient's record cannot be read: {exc.diagnostics}") from None


def _refuse(consultation, answer):
    """Risk control refused the start: the request rolls back (no consultation, no participants, the room
    untouched); kept are the audited decision and, in the same transaction, its effect: the appointment
    leaves the queue (referred in person) and everyone invited hears the reasons."""
    refusal = {key: answer.get(key) for key in ("decision", "reasons", "next_steps", "urgency", "referral",
                                                "decision_id", "emergency_number") if key in answer}
    appointment_id, told = consultation.appointment_id, [p["user_id"] for p in participants_of(consultation)]

    def referred():
        queue_link.mark_refused(appointment_id, refusal)
        for user_id in told:
            push("consultation_refused", {"consultation_id": None, "appointment_id": appointment_id, **refusal},
                 user_room(user_id))

    transaction.on_error_also(referred)
    risk.require_allowed(answer, "consultation")


def join_consultation(actor, consultation_id):
    """A participant enters: the patient's first join starts the consultation; returns (consultation, role, rejoined)."""
    consultation = consultation_for(actor, consultation_id, action="join")
    begin_write()
    participant = db.session.get(ConsultParticipant, (consultation.id, actor.user_id), populate_existing=True)
    now = clock.now()
    rejoined = participant.first_joined_at is not None
    participant.first_joined_at = participant.first_joined_at or now
    participant.last_joined_at = now
    if participant.role == "patient" and consultation.status == "invited":
        if _claim(consultation, "invited", status="active", started_at=now, last_activity_at=now):
            queue_link.mark_in_consultation(consultation.appointment_id)
            reporting.report("consultation.started", f"Consultation/{consultation.id}",
                             reporting.consultation_trace(consultation.id), actor=actor,
                             patient_ref=f"Patient/{consultation.patient_id}",
                             payload={"started_at": now, "practitioner_id": consultation.practitioner_id,
                                      "complaint_code": consultation.complaint_code})
            push("consultation_started", {"consultation_id": consultation.id, "started_at": now.isoformat()},
                 consultation_room(consultation.id))
    db.session.flush()
    record_access(actor, "read", f"Consultation/{consultation.id}", f"Patient/{consultation.patient_id}",
                  detail="joined")
    return consultation, participant.role, rejoined


def end_consultation(actor, consultation_id, body):
    """The doctor ends the consultation: outcome into the record, appointment fulfilled, room freed."""
    consultation = consultation_for(actor, consultation_id, action="end")
    require_doctor(actor, consultation)
    begin_write()
    if not _claim(consultation, "active", status="closed", ended_at=clock.now(), end_reason="doctor"):
        raise ApiError(409, "not_active", f"The consultation is {consultation.status}; only an active one can end.")
    referral = None
    if body.get("condition_changed"):
        answer = risk.check(actor, "start_consultation", consultation.patient_id,
                            complaint_code=consultation.complaint_code, condition_changed=True,
                            doctor=risk.doctor_facts(actor.practitioner_id), context=f"Consultation/{consultation.id}")
        referral = {key: answer.get(key) for key in ("decision", "reasons", "next_steps", "referral", "decision_id")}
    written = closeout.write_outcome(actor, consultation, body)
    _finish(consultation, {**written, "referral": referral}, actor, body.get("diagnoses") or [])
    return consultation


def _finish(consultation, outcome, actor=None, diagnoses=()):
    consultation.encounter_id = outcome.get("encounter_id")
    consultation.outcome = outcome
    db.session.flush()
    reporting.report("consultation.ended", f"Consultation/{consultation.id}",
                     reporting.consultation_trace(consultation.id), actor=actor,
                     patient_ref=f"Patient/{consultation.patient_id}",
                     payload={"ended_at": consultation.ended_at, "end_reason": consultation.end_reason,
                              "encounter_id": consultation.encounter_id, "diagnoses": list(diagnoses),
                              "referral": bool(outcome.get("referral"))})
    _free_room(consultation)
    queue_link.mark_fulfilled(consultation.appointment_id)
    _tell_everyone(consultation, "consultation_ended", {
        "consultation_id": consultation.id, "end_reason": consultation.end_reason,
        "encounter_id": consultation.encounter_id, "referral": outcome.get("referral")})


def close_idle(consultation_id, cutoff):
    """Close an active consultation idle since before `cutoff` (the encounter and transcript are recorded)."""
    from core.auth import SYSTEM

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not conditional_update(
            Consultation, [Consultation.id == consultation_id, Consultation.status == "active",
                           Consultation.last_activity_at < cutoff],
            {"status": "closed", "ended_at": clock.now(), "end_reason": "idle"}):
        return False
    db.session.refresh(consultation)
    _finish(consultation, closeout.write_outcome(SYSTEM, consultation, {}))
    return True


def expire_invite(consultation_id, cutoff):
    """Expire an invite not taken up before `cutoff`: the room is freed and the queue told."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not conditional_update(
            Consultation, [Consultation.id == consultation_id, Consultation.status == "invited",
                           Consultation.invited_at < cutoff],
            {"status": "expired", "ended_at": clock.now(), "end_reason": "invite_timeout"}):
        return False
    db.session.refresh(consultation)
    _free_room(consultation)
    queue_link.requeue_or_noshow(consultation.appointment_id, current_app.config["CONSULT_INVITE_TIMEOUT_ACTION"])
    _tell_everyone(consultation, "invite_expired", {"consultation_id": consultation.id})
    return True
