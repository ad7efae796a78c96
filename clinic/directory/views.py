"""Directory endpoints: institutions, doctors, family-doctor contracts (admins manage the directory)."""
from flask.views import MethodView

from clinic.directory import services as directory
from clinic.directory.specialties import SPECIALTIES
from clinic.directory.schemas import (DoctorQuerySchema, DoctorSchema, DoctorUpdateSchema, FamilyDoctorBindSchema,
                                      FamilyDoctorQuerySchema, FamilyDoctorSchema, InstitutionQuerySchema,
                                      InstitutionSchema, InstitutionUpdateSchema, SpecialtySchema)
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.pagination import PageQuerySchema, page_of

bp = Blueprint("directory", __name__, url_prefix="/api/v1", description="Institutions, doctors, family doctors")


@bp.route("/specialties")
class Specialties(MethodView):
    @require_role()
    @bp.doc(operationId="listSpecialties")
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(SpecialtySchema))
    def get(self, query):
        """The code list of departments and specialties (the codes `specialty` filters and doctors use), named."""
        page = query["page"]
        return page.answer(page.cut([{"code": code, "name": name, "name_zh": name_zh}
                                     for code, (name, name_zh) in SPECIALTIES.items()]))


@bp.route("/institutions")
class Institutions(MethodView):
    @require_role()
    @bp.doc(operationId="listInstitutions")
    @bp.arguments(InstitutionQuerySchema, location="query")
    @bp.response(200, page_of(InstitutionSchema))
    def get(self, query):
        """List institutions; `near=LAT,LON` sorts by distance, `specialty` keeps those with such a doctor."""
        _only_admins_see_deactivated(query)
        filters, page = {k: query.get(k) for k in ("specialty", "district", "kind")}, query["page"]
        if "near" in query:
            pairs = page.cut(directory.institutions_near(*query["near"], **filters))
            return page.answer(_with_distance(row, km) for row, km in pairs)
        return page.answer(page.cut(directory.list_institutions(**filters, status=query["status"])))

    @require_role("admin")
    @bp.doc(operationId="createInstitution")
    @bp.errors({409: "The institution code is already in use."})
    @bp.arguments(InstitutionSchema)
    @bp.response(201, InstitutionSchema)
    def post(self, body):
        """Add an institution (admin)."""
        return directory.save_institution(body)


def _only_admins_see_deactivated(query):
    if query["status"] != "active" and current_actor().role != "admin":
        raise ApiError(403, "forbidden", "Only administrators list deactivated entries (to reactivate them).")


def _with_distance(row, km):
    data = InstitutionSchema().dump(row)
    data["distance_km"] = round(km, 2)
    return data


@bp.route("/institutions/<string:institution_id>")
class InstitutionById(MethodView):
    @require_role()
    @bp.doc(operationId="getInstitution")
    @bp.errors({404: "No such institution."})
    @bp.response(200, InstitutionSchema)
    def get(self, institution_id):
        """One institution."""
        return directory.get_institution(institution_id)

    @require_role("admin")
    @bp.doc(operationId="updateInstitution")
    @bp.errors({404: "No such institution.", 409: "The institution code is already in use."})
    @bp.arguments(InstitutionUpdateSchema(partial=True))
    @bp.response(200, InstitutionSchema)
    def patch(self, body, institution_id):
        """Change an institution (admin)."""
        return directory.save_institution(body, directory.get_institution(institution_id))


@bp.route("/doctors")
class Doctors(MethodView):
    @require_role()
    @bp.doc(operationId="listDoctors")
    @bp.arguments(DoctorQuerySchema, location="query")
    @bp.response(200, page_of(DoctorSchema))
    def get(self, query):
        """List doctors by specialty, institution, online availability, family-doctor status."""
        _only_admins_see_deactivated(query)
        page = query["page"]
        return page.answer(page.cut(directory.list_doctors(query.get("specialty"), query.get("institution_id"),
                                                           query.get("online"), query.get("family_doctor"),
                                                           query["status"])))

    @require_role("admin")
    @bp.doc(operationId="createDoctor")
    @bp.errors({409: "The practitioner id is already in use."})
    @bp.arguments(DoctorSchema)
    @bp.response(201, DoctorSchema)
    def post(self, body):
        """Add a doctor (admin); link a doctor account to it with the same practitioner_id."""
        return directory.save_doctor(body)


@bp.route("/doctors/<string:doctor_id>")
class DoctorById(MethodView):
    @require_role()
    @bp.doc(operationId="getDoctor")
    @bp.errors({404: "No such doctor."})
    @bp.response(200, DoctorSchema)
    def get(self, doctor_id):
        """One doctor."""
        return directory.get_doctor(doctor_id)

    @require_role("admin")
    @bp.doc(operationId="updateDoctor")
    @bp.errors({404: "No such doctor.", 409: "The practitioner id is already in use."})
    @bp.arguments(DoctorUpdateSchema(partial=True))
    @bp.response(200, DoctorSchema)
    def patch(self, body, doctor_id):
        """Change a doctor (admin); `specialties` and `institution_ids` replace the lists."""
        return directory.save_doctor(body, directory.get_doctor(doctor_id))


@bp.route("/family-doctor")
class FamilyDoctor(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="getFamilyDoctor")
    @bp.errors({404: "No family doctor signed."})
    @bp.arguments(FamilyDoctorQuerySchema, location="query")
    @bp.response(200, FamilyDoctorSchema)
    def get(self, query):
        """The family doctor the caller (admins: `patient_id`) has signed with."""
        found = directory.family_doctor_of(_patient_for(query))
        if found is None:
            raise ApiError(404, "not_found", "No family doctor signed.")
        return found

    @require_role("patient", "admin")
    @bp.doc(operationId="signFamilyDoctor")
    @bp.errors({404: "No such doctor."})
    @bp.arguments(FamilyDoctorBindSchema)
    @bp.response(200, FamilyDoctorSchema)
    def put(self, body):
        """Sign with a family doctor (replaces an earlier contract)."""
        patient_id = _patient_for(body)
        directory.bind_family_doctor(patient_id, body["doctor_id"], body.get("team"))
        return directory.family_doctor_of(patient_id)


def _patient_for(data):
    actor = current_actor()
    if actor.is_admin:
        if not data.get("patient_id"):
            raise ApiError(422, "validation_error", "One or more fields are invalid.", title="Request validation failed",
                           errors=[{"field": "patient_id", "message": "is required for administrators"}])
        return data["patient_id"]
    return actor.patient_id
