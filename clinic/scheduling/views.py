"""Schedule management: weekly templates and exceptions (doctors their own, admins all)."""
from flask.views import MethodView

from clinic.directory.services import own_doctor_id
from clinic.scheduling import schedules, slots
from clinic.scheduling.schemas import (ExceptionQuerySchema, ExceptionSchema, FlaggedQuerySchema, SlotSchema,
                                       TemplateQuerySchema, TemplateSchema, TemplateUpdateSchema)
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.pagination import page_of

bp = Blueprint("schedules", __name__, url_prefix="/api/v1/schedules", description="Schedule templates and exceptions")
STAFF = ("doctor", "admin")


@bp.route("/templates")
class Templates(MethodView):
    @require_role(*STAFF)
    @bp.doc(operationId="listScheduleTemplates")
    @bp.arguments(TemplateQuerySchema, location="query")
    @bp.response(200, page_of(TemplateSchema))
    def get(self, query):
        """Weekly templates (a doctor sees their own)."""
        page = query["page"]
        return page.answer(page.cut(schedules.list_templates(current_actor(), query.get("doctor_id"))))

    @require_role(*STAFF)
    @bp.doc(operationId="createScheduleTemplate")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only for their own schedule.",
        404: "No such doctor or institution.",
    })
    @bp.arguments(TemplateSchema, example={
        "doctor_id": "3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f", "institution_id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        "weekday": 0, "session": "afternoon", "start_time": "14:00:00", "end_time": "17:00:00", "slot_minutes": 15,
        "capacity": 1, "kind": "online"})
    @bp.response(201, TemplateSchema)
    def post(self, body):
        """Add a weekly session; its slots are generated over the horizon at once."""
        return schedules.create_template(current_actor(), body)


@bp.route("/templates/<string:template_id>")
class TemplateById(MethodView):
    @require_role(*STAFF)
    @bp.doc(operationId="getScheduleTemplate")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only their own templates.",
        404: "No such template.",
    })
    @bp.response(200, TemplateSchema)
    def get(self, template_id):
        """One template."""
        return schedules.get_template(current_actor(), template_id)

    @require_role(*STAFF)
    @bp.doc(operationId="updateScheduleTemplate")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only their own templates.",
        404: "No such template.",
    })
    @bp.arguments(TemplateUpdateSchema(partial=True))
    @bp.response(200, TemplateSchema)
    def patch(self, body, template_id):
        """Change a template (slots already generated keep their times)."""
        return schedules.update_template(current_actor(), template_id, body)

    @require_role(*STAFF)
    @bp.doc(operationId="deleteScheduleTemplate")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only their own templates.",
        404: "No such template.",
    })
    @bp.response(204)
    def delete(self, template_id):
        """Retire a template: unbooked future slots are cancelled, booked ones flagged."""
        schedules.delete_template(current_actor(), template_id)


@bp.route("/exceptions")
class Exceptions(MethodView):
    @require_role(*STAFF)
    @bp.doc(operationId="listScheduleExceptions")
    @bp.arguments(ExceptionQuerySchema, location="query")
    @bp.response(200, page_of(ExceptionSchema))
    def get(self, query):
        """Leave and holidays."""
        page = query["page"]
        return page.answer(page.cut(schedules.list_exceptions(current_actor(), query.get("doctor_id"),
                                                              query.get("institution_id"))))

    @require_role(*STAFF)
    @bp.doc(operationId="createScheduleException")
    @bp.errors({
        403: "Only doctors and administrators; a doctor records only their own leave, holidays are the "
             "administrators'.",
        404: "No such doctor or institution.",
    })
    @bp.arguments(ExceptionSchema)
    @bp.response(201, ExceptionSchema)
    def post(self, body):
        """Record leave (doctor_id) or a holiday (institution_id): covered slots are cancelled or flagged."""
        return schedules.create_exception(current_actor(), body)


@bp.route("/exceptions/<string:exception_id>")
class ExceptionById(MethodView):
    @require_role(*STAFF)
    @bp.doc(operationId="deleteScheduleException")
    @bp.errors({
        403: "Only doctors and administrators, and a doctor only their own leave.",
        404: "No such schedule exception.",
    })
    @bp.response(204)
    def delete(self, exception_id):
        """Remove an exception; the slots it closed reopen."""
        schedules.delete_exception(current_actor(), exception_id)


@bp.route("/flagged-slots")
class FlaggedSlots(MethodView):
    @require_role(*STAFF)
    @bp.doc(operationId="listFlaggedSlots")
    @bp.arguments(FlaggedQuerySchema, location="query")
    @bp.response(200, page_of(SlotSchema))
    def get(self, query):
        """Booked slots closed by an exception, for the doctor to handle."""
        actor, page = current_actor(), query["page"]
        doctor_id = query.get("doctor_id") if actor.is_admin else own_doctor_id(actor)
        if not actor.is_admin and doctor_id is None:
            return page.answer(page.cut([]))
        return page.answer(page.cut(slots.flagged_slots(doctor_id)))
