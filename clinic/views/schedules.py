"""Schedule management: weekly templates and exceptions (doctors their own, admins all)."""
from flask.views import MethodView

from clinic import schedules, slots
from clinic.access import own_doctor_id
from clinic.schemas.scheduling import (ExceptionQuerySchema, ExceptionSchema, FlaggedQuerySchema, SlotSchema,
                                       TemplateQuerySchema, TemplateSchema, TemplateUpdateSchema)
from core.auth import current_actor, require_role
from core.blueprint import Blueprint

bp = Blueprint("schedules", __name__, url_prefix="/api/v1/schedules", description="Schedule templates and exceptions")
STAFF = ("doctor", "admin")


@bp.route("/templates")
class Templates(MethodView):
    @require_role(*STAFF)
    @bp.arguments(TemplateQuerySchema, location="query")
    @bp.response(200, TemplateSchema(many=True))
    def get(self, query):
        """Weekly templates (a doctor sees their own)."""
        return schedules.list_templates(current_actor(), query.get("doctor_id"))

    @require_role(*STAFF)
    @bp.arguments(TemplateSchema)
    @bp.response(201, TemplateSchema)
    def post(self, body):
        """Add a weekly session; its slots are generated over the horizon at once."""
        return schedules.create_template(current_actor(), body)


@bp.route("/templates/<string:template_id>")
class TemplateById(MethodView):
    @require_role(*STAFF)
    @bp.response(200, TemplateSchema)
    def get(self, template_id):
        """One template."""
        return schedules.get_template(current_actor(), template_id)

    @require_role(*STAFF)
    @bp.arguments(TemplateUpdateSchema(partial=True))
    @bp.response(200, TemplateSchema)
    def patch(self, body, template_id):
        """Change a template (slots already generated keep their times)."""
        return schedules.update_template(current_actor(), template_id, body)

    @require_role(*STAFF)
    @bp.response(204)
    def delete(self, template_id):
        """Retire a template: unbooked future slots are cancelled, booked ones flagged."""
        schedules.delete_template(current_actor(), template_id)


@bp.route("/exceptions")
class Exceptions(MethodView):
    @require_role(*STAFF)
    @bp.arguments(ExceptionQuerySchema, location="query")
    @bp.response(200, ExceptionSchema(many=True))
    def get(self, query):
        """Leave and holidays."""
        return schedules.list_exceptions(current_actor(), query.get("doctor_id"), query.get("institution_id"))

    @require_role(*STAFF)
    @bp.arguments(ExceptionSchema)
    @bp.response(201, ExceptionSchema)
    def post(self, body):
        """Record leave (doctor_id) or a holiday (institution_id): covered slots are cancelled or flagged."""
        return schedules.create_exception(current_actor(), body)


@bp.route("/exceptions/<string:exception_id>")
class ExceptionById(MethodView):
    @require_role(*STAFF)
    @bp.response(204)
    def delete(self, exception_id):
        """Remove an exception; the slots it closed reopen."""
        schedules.delete_exception(current_actor(), exception_id)


@bp.route("/flagged-slots")
class FlaggedSlots(MethodView):
    @require_role(*STAFF)
    @bp.arguments(FlaggedQuerySchema, location="query")
    @bp.response(200, SlotSchema(many=True))
    def get(self, query):
        """Booked slots closed by an exception, for the doctor to handle."""
        actor = current_actor()
        doctor_id = query.get("doctor_id") if actor.is_admin else own_doctor_id(actor)
        if not actor.is_admin and doctor_id is None:
            return []
        return slots.flagged_slots(doctor_id)
