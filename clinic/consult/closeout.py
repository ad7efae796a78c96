"""Closing a consultation writes its outcome into the health record in ONE records transaction Bundle
(all or nothing, inside the request's database transaction, so a failed write leaves it open):

- Encounter: class VR (virtual; the eligibility rules rightly do not count it as an in-person visit),
  period, the doctor's Practitioner as participant, reasonCode (ICD-10 complaint), serviceProvider;
- the doctor's note as a DocumentReference (LOINC 11488-4 "Consult note", context.encounter):
  records stores DocumentReference in the patient compartment, ClinicalImpression it does not know;
- each diagnosis as a Condition (ICD-10, encounter, recorder = Practitioner, verification
  provisional: made online without an examination);
- Observations recorded during the visit;
- the chat as Communication resources, one per message (derived: consult_messages is the source of
  truth), an attachment message pointing at the attachment's DocumentReference. They are declared to
  records.derived (`register_view`): the FHIR API refuses to write them, this close-out writes them as
  their maintainer (`maintainer="clinic"`) in the doctor's name. The Encounter, note, Conditions and
  Observations are the doctor's clinical record, which the doctor may go on editing over FHIR.
"""
import base64
import hashlib

from sqlalchemy import select

from clinic.consult.models import ConsultAttachment, ConsultMessage, ConsultRoom
from core.errors import ApiError
from core.extensions import db
from records import api as records

ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONSULTATION_ID_SYSTEM = "urn:cloud-hospital:consultation"
MESSAGE_ID_SYSTEM = "urn:cloud-hospital:consultation-message"


def _coding(system, code, display=None):
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _concept(system, code, display=None):
    return {"coding": [_coding(system, code, display)], **({"text": display} if display else {})}


def _entry(urn, resource):
    return {"fullUrl": urn, "resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}


def _who(consultation, role, user_id):
    if role == "patient":
        return {"reference": f"Patient/{consultation.patient_id}"}
    if role == "doctor" and consultation.practitioner_id:
        return {"reference": f"Practitioner/{consultation.practitioner_id}"}
    return {"display": f"{role} (user {user_id})"}  # a guardian: kept out of their own compartment


def outcome_bundle(consultation, organization_id, body, messages, attachments, api_base="/api/v1"):
    """The transaction Bundle recording the consultation (pure: rows and the end body in, a dict out)."""
    patient = {"reference": f"Patient/{consultation.patient_id}"}
    doctor = {"reference": f"Practitioner/{consultation.practitioner_id}"} if consultation.practitioner_id else None
    ended = consultation.ended_at.isoformat()
    enc_urn, entries = f"urn:uuid:enc-{consultation.id}", []
    encounter = {
        "resourceType": "Encounter", "status": "finished",
        "identifier": [{"system": CONSULTATION_ID_SYSTEM, "value": consultation.id}],
        "class": _coding(ACT_CODE, "VR", "virtual"), "subject": patient,
        "period": {"start": (consultation.started_at or consultation.invited_at).isoformat(), "end": ended}}
    if doctor:
        encounter["participant"] = [{"individual": doctor}]
    if consultation.complaint_code:
        encounter["reasonCode"] = [_concept(ICD10, consultation.complaint_code)]
    if organization_id:
        encounter["serviceProvider"] = {"reference": f"Organization/{organization_id}"}
    entries.append(_entry(enc_urn, encounter))
    context = {"reference": enc_urn}
    if body.get("note"):
        note = {"resourceType": "DocumentReference", "status": "current", "docStatus": "final",
                "type": _concept(LOINC, "11488-4", "Consult note"), "subject": patient, "date": ended,
                "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "title": "Consultation note",
                                            "data": base64.b64encode(body["note"].encode()).decode()}}],
                "context": {"encounter": [context]}}
        if doctor:
            note["author"] = [doctor]
        entries.append(_entry(f"urn:uuid:note-{consultation.id}", note))
    diagnoses = []
    for index, diagnosis in enumerate(body.get("diagnoses") or ()):
        urn = f"urn:uuid:cond-{consultation.id}-{index}"
        condition = {"resourceType": "Condition", "subject": patient, "encounter": context, "recordedDate": ended,
                     "code": _concept(ICD10, diagnosis["code"], diagnosis.get("display")),
                     "clinicalStatus": _concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
                     "verificationStatus": _concept(
                         "http://terminology.hl7.org/CodeSystem/condition-ver-status", "provisional"),
                     "category": [_concept("http://terminology.hl7.org/CodeSystem/condition-category",
                                           "encounter-diagnosis")]}
        if doctor:
            condition["recorder"] = doctor
        entries.append(_entry(urn, condition))
        diagnoses.append({"condition": {"reference": urn}, "rank": index + 1})
    if diagnoses:
        encounter["diagnosis"] = diagnoses
    for index, observation in enumerate(body.get("observations") or ()):
        entries.append(_entry(f"urn:uuid:obs-{consultation.id}-{index}", _observation(observation, patient, doctor,
                                                                                       context, ended)))
    docs = {}
    for attachment in attachments:
        urn = docs[attachment.id] = f"urn:uuid:att-{attachment.id}"
        entries.append(_entry(urn, _attachment_document(consultation, attachment, patient, context, api_base)))
    participants = {"patient": patient, "doctor": doctor}
    for message in messages:
        entries.append(_entry(f"urn:uuid:msg-{consultation.id}-{message.seq}",
                              _communication(consultation, message, participants, context, docs)))
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _observation(observation, patient, doctor, context, ended):
    resource = {"resourceType": "Observation", "status": "final", "subject": patient, "encounter": context,
                "effectiveDateTime": observation.get("effective") or ended,
                "code": _concept(observation.get("system") or LOINC, observation["code"], observation.get("display"))}
    if doctor:
        resource["performer"] = [doctor]
    if observation.get("value") is not None:
        unit = observation.get("unit")
        resource["valueQuantity"] = {"value": observation["value"],
                                     **({"unit": unit, "system": UCUM, "code": unit} if unit else {})}
    elif observation.get("value_string"):
        resource["valueString"] = observation["value_string"]
    return resource


def _attachment_document(consultation, attachment, patient, context, api_base):
    sha1 = hashlib.sha1(attachment.content).digest()  # FHIR Attachment.hash is a base64 SHA-1
    return {"resourceType": "DocumentReference", "status": "current", "subject": patient,
            "date": attachment.created_at.isoformat(), "description": attachment.filename,
            "identifier": [{"system": "urn:cloud-hospital:consultation-attachment:sha256", "value": attachment.sha256}],
            "content": [{"attachment": {
                "contentType": attachment.media_type, "size": attachment.size, "title": attachment.filename,
                "hash": base64.b64encode(sha1).decode(), "creation": attachment.created_at.isoformat(),
                "url": f"{api_base}/consultations/{consultation.id}/attachments/{attachment.id}"}}],
            "context": {"encounter": [context]}}


def _communication(consultation, message, participants, context, docs):
    sender = _who(consultation, message.sender_role, message.sender_user_id)
    recipients = [ref for role, ref in participants.items() if ref and role != message.sender_role]
    payload = ({"contentReference": {"reference": docs[message.attachment_id]}}
               if message.attachment_id in docs else {"contentString": message.text or ""})
    resource = {"resourceType": "Communication", "status": "completed", "subject": participants["patient"],
                "encounter": context, "sent": message.created_at.isoformat(), "sender": sender,
                "identifier": [{"system": MESSAGE_ID_SYSTEM, "value": f"{consultation.id}:{message.seq}"}],
                "payload": [payload]}
    if recipients:
        resource["recipient"] = recipients
    return resource


def _created_ids(response, bundle):
    ids = {}
    for request_entry, reply in zip(bundle["entry"], response["entry"]):
        kind = request_entry["fullUrl"].split(":")[-1].split("-")[0]
        ids.setdefault(kind, []).append(reply["response"]["location"].split("/")[1])
    return ids


def write_outcome(actor, consultation, body):
    """Write the consultation's outcome through records (flushes; the caller's commit makes it stick)."""
    organization_id = db.session.scalar(select(ConsultRoom.organization_id).where(
        ConsultRoom.id == consultation.room_id))
    messages = list(db.session.scalars(select(ConsultMessage).where(
        ConsultMessage.consultation_id == consultation.id).order_by(ConsultMessage.seq)))
    attachments = list(db.session.scalars(select(ConsultAttachment).where(
        ConsultAttachment.consultation_id == consultation.id).order_by(ConsultAttachment.created_at)))
    bundle = outcome_bundle(consultation, organization_id, body, messages, attachments)
    try:
        ids = _created_ids(records.transaction(actor, bundle, maintainer="clinic"), bundle)
    except records.FhirError as exc:  # nothing is kept: the request (or sweep savepoint) rolls back
        raise ApiError(500 if exc.status >= 500 else 422, "record_write_failed",
                       f"The outcome could not be written to the health record: {exc.diagnostics}") from None
    return {"encounter_id": ids["enc"][0], "note_id": (ids.get("note") or [None])[0],
            "condition_ids": ids.get("cond", []), "observation_ids": ids.get("obs", []),
            "attachment_document_ids": ids.get("att", []), "communication_count": len(ids.get("msg", []))}


def register_view():
    """Declare the chat's Communications (identifier system MESSAGE_ID_SYSTEM) a derived view."""
    records.register_view("Communication", maintainer="clinic",
                          path="the consultation's chat (Socket.IO /consult, message) and "
                               "POST /api/v1/consultations/{consultation_id}/end",
                          match=records.identifier_system(MESSAGE_ID_SYSTEM))
