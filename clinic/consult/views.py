"""Consulting-room endpoints: rooms (list, open, close, call the next patient) and consultations
(read, messages, attachments, end). The same data as the /consult Socket.IO events."""
from flask import Response
from flask.views import MethodView

from clinic.consult import attachments, current, ice, lifecycle, messages, patient_view, rooms
from clinic.consult.schemas import (AttachmentSchema, CallNextSchema, ConsultationSchema, EndSchema, IceServersSchema,
                                    MessageQuerySchema, MessageSchema, PatientSummarySchema, RoomQuerySchema,
                                    RoomSchema, UploadSchema)
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("consult", __name__, url_prefix="/api/v1", description="Cloud consulting rooms")


@bp.route("/rooms")
class Rooms(MethodView):
    @require_role()
    @bp.doc(operationId="listRooms")
    @bp.arguments(RoomQuerySchema, location="query")
    @bp.response(200, page_of(RoomSchema))
    def get(self, query):
        """The consulting rooms with their status (open, by whom, busy)."""
        page = query["page"]
        found = page.cut(rooms.list_rooms(query.get("clinic"), query.get("institution_id")))
        return page.answer(rooms.room_to_dict(r) for r in found)


@bp.route("/rooms/<string:room_id>/open")
class OpenRoom(MethodView):
    @require_role("doctor")
    @bp.doc(operationId="openRoom")
    @bp.errors({404: "No such room.", 409: "The room is open for another doctor, or you already hold a room."})
    @bp.response(200, RoomSchema)
    def post(self, room_id):
        """Open the room for your session (one open room per doctor)."""
        return rooms.room_to_dict(rooms.open_room(current_actor(), room_id))


@bp.route("/rooms/<string:room_id>/close")
class CloseRoom(MethodView):
    @require_role("doctor", "admin")
    @bp.doc(operationId="closeRoom")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only a room they opened.",
        404: "No such room.",
        409: "A consultation is under way in the room.",
    })
    @bp.response(200, RoomSchema)
    def post(self, room_id):
        """Close the room (409 while a consultation is under way)."""
        return rooms.room_to_dict(rooms.close_room(current_actor(), room_id))


@bp.route("/rooms/<string:room_id>/call-next")
class CallNext(MethodView):
    @require_role("doctor")
    @bp.doc(operationId="callNextPatient")
    @bp.errors({
        403: "Only doctors, and only in a room they opened.",
        404: "No such room.",
        409: "Nobody is waiting, the room is busy, or it is not open.",
        422: "Invalid fields, or risk control refused the start: reasons, next steps, referral.",
    })
    @bp.arguments(CallNextSchema)
    @bp.response(201, ConsultationSchema)
    def post(self, body, room_id):
        """Invite the next checked-in online patient (risk-checked at start_consultation)."""
        # A refusal is a 422: nothing of the call is kept but the audited decision and its effect (lifecycle._refuse).
        consultation, _ = lifecycle.call_next(current_actor(), room_id, body.get("complaint_code"))
        return lifecycle.consultation_to_dict(consultation)


@bp.route("/consultations/current")
class CurrentConsultation(MethodView):
    @require_role()
    @bp.doc(operationId="getCurrentConsultation")
    @bp.errors({404: "You have no consultation under way."})
    @bp.response(200, ConsultationSchema)
    def get(self):
        """Your consultation under way (invited or active), newest first: an app that reloads resumes it here."""
        return lifecycle.consultation_to_dict(current.current_consultation(current_actor()))


@bp.route("/consultations/<string:consultation_id>")
class ConsultationView(MethodView):
    @require_role()
    @bp.doc(operationId="getConsultation")
    @bp.errors({403: "You do not take part in this consultation.", 404: "No such consultation."})
    @bp.response(200, ConsultationSchema)
    def get(self, consultation_id):
        """A consultation you take part in."""
        consultation = lifecycle.read_consultation(current_actor(), consultation_id)
        return lifecycle.consultation_to_dict(consultation)


@bp.route("/consultations/<string:consultation_id>/patient-summary")
class PatientSummary(MethodView):
    @require_role("doctor")
    @bp.doc(operationId="getConsultationPatientSummary")
    @bp.errors({403: "Only the consultation's doctor (and only while the record's access rules allow it).",
                404: "No such consultation."})
    @bp.response(200, PatientSummarySchema)
    def get(self, consultation_id):
        """The patient's record in brief for the consultation's doctor: name, sex and age, active conditions,
        recent observations, current medicines, allergies and last encounters (each read audited)."""
        return patient_view.patient_summary(current_actor(), consultation_id)


@bp.route("/consultations/<string:consultation_id>/ice-servers")
class IceServers(MethodView):
    @require_role()
    @bp.doc(operationId="getConsultationIceServers")
    @bp.errors({403: "You do not take part in this consultation.", 404: "No such consultation.",
                409: "The consultation is over."})
    @bp.response(200, IceServersSchema)
    def get(self, consultation_id):
        """The STUN/TURN servers for the consultation's video call, with a short-lived TURN credential for you."""
        return ice.ice_servers_for(current_actor(), consultation_id)


@bp.route("/consultations/<string:consultation_id>/messages")
class Messages(MethodView):
    @require_role()
    @bp.doc(operationId="listConsultationMessages")
    @bp.errors({403: "You do not take part in this consultation.", 404: "No such consultation."})
    @bp.arguments(MessageQuerySchema, location="query")
    @bp.response(200, page_of(MessageSchema))
    def get(self, query, consultation_id):
        """The messages with seq > `after`, in order."""
        page = query["page"]
        _, found = messages.list_messages(current_actor(), consultation_id, query["after"], page)
        return page.answer(messages.message_to_dict(m) for m in found)


@bp.route("/consultations/<string:consultation_id>/attachments")
class Attachments(MethodView):
    @require_role()
    @bp.doc(operationId="uploadAttachment")
    @bp.errors({
        403: "You do not take part in this consultation.",
        404: "No such consultation.",
        409: "The consultation is not active.",
        413: "The file is larger than CONSULT_ATTACHMENT_MAX_BYTES.",
        415: "The content is not a PNG, JPEG, WebP image or a PDF.",
        422: "No file, or an empty one.",
    })
    @bp.arguments(UploadSchema, location="files")
    @bp.response(201, AttachmentSchema)
    def post(self, files, consultation_id):
        """Upload an image (PNG, JPEG, WebP) or PDF; the type is sniffed from the content."""
        upload = files["file"]
        return attachments.attachment_to_dict(
            attachments.store_attachment(current_actor(), consultation_id, upload.filename, upload.stream))


@bp.route("/consultations/<string:consultation_id>/attachments/<string:attachment_id>")
class AttachmentContent(MethodView):
    @require_role()
    @bp.doc(operationId="downloadAttachment")
    @bp.errors({403: "You do not take part in this consultation.", 404: "No such consultation or attachment."})
    @bp.response(200, description="The file, always as a download")
    def get(self, consultation_id, attachment_id):
        """Download an attachment (participants only)."""
        found = attachments.read_attachment(current_actor(), consultation_id, attachment_id)
        # The sniffed type, always as a download, never rendered inline.
        response = Response(found.content, mimetype=found.media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["ETag"] = f'"{found.sha256}"'
        return response


@bp.route("/consultations/<string:consultation_id>/end")
class End(MethodView):
    @require_role("doctor")
    @bp.doc(operationId="endConsultation")
    @bp.errors({
        403: "Only the consultation's doctor.",
        404: "No such consultation.",
        409: "The consultation is not active.",
    })
    @bp.arguments(EndSchema)
    @bp.response(200, ConsultationSchema)
    def post(self, body, consultation_id):
        """End the consultation: outcome into the health record, appointment fulfilled, room freed."""
        return lifecycle.consultation_to_dict(lifecycle.end_consultation(current_actor(), consultation_id, body))
