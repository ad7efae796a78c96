"""Attachments of a consultation: images and PDFs only (sniffed), size-limited, with a SHA-256,
stored in the database so every server process can serve them; only participants read them."""
import hashlib

from flask import current_app

from clinic.consult.access import consultation_for
from clinic.consult.models import ConsultAttachment
from clinic.consult.sniff import sniff_media_type, safe_filename
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db


def attachment_to_dict(attachment):
    """The API view of an attachment (without its content)."""
    return {"id": attachment.id, "consultation_id": attachment.consultation_id, "filename": attachment.filename,
            "media_type": attachment.media_type, "size": attachment.size, "sha256": attachment.sha256,
            "uploader_user_id": attachment.uploader_user_id, "created_at": attachment.created_at}


def read_limited(stream, limit):
    """At most `limit` bytes of `stream`; 413 when there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "payload_too_large", f"Attachments are limited to {limit} bytes.")
    return data


def store_attachment(actor, consultation_id, filename, stream):
    """Store an upload of a participant of a live consultation; 415 unless PNG, JPEG, WebP or PDF."""
    consultation = consultation_for(actor, consultation_id, action="create")
    if consultation.status not in ("invited", "active"):
        raise ApiError(409, "not_active", f"The consultation is {consultation.status}; uploads are closed.")
    data = read_limited(stream, current_app.config["CONSULT_ATTACHMENT_MAX_BYTES"])
    if not data:
        raise ApiError(422, "empty_file", "The uploaded file is empty.")
    media_type = sniff_media_type(data[:16])
    if media_type is None:
        raise ApiError(415, "unsupported_media_type", "Only PNG, JPEG, WebP images and PDF documents are accepted.")
    attachment = ConsultAttachment(consultation_id=consultation.id, uploader_user_id=actor.user_id,
                                   filename=safe_filename(filename, media_type), media_type=media_type,
                                   size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data)
    db.session.add(attachment)
    db.session.flush()
    record_access(actor, "create", f"Consultation/{consultation.id}/attachments/{attachment.id}",
                  f"Patient/{consultation.patient_id}", detail={"media_type": media_type, "size": len(data)})
    return attachment


def read_attachment(actor, consultation_id, attachment_id):
    """An attachment (with content) a participant may read; audited."""
    consultation = consultation_for(actor, consultation_id)
    attachment = db.session.get(ConsultAttachment, attachment_id)
    if attachment is None or attachment.consultation_id != consultation.id:
        raise ApiError(404, "not_found", "No such attachment.")
    record_access(actor, "read", f"Consultation/{consultation.id}/attachments/{attachment.id}",
                  f"Patient/{consultation.patient_id}")
    return attachment
