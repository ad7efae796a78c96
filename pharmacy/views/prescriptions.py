"""App API: prescriptions (issue, read, verify), the pharmacist review queue, review items and flag decisions."""
from flask.views import MethodView

from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.idempotency import HEADER_DOC, idempotent
from core.pagination import PageQuerySchema, page_of
from pharmacy import prescription_history, prescriptions, review, review_item
from pharmacy.review_schemas import FlagDecisionResultSchema, FlagDecisionSchema, ReviewItemSchema
from pharmacy.schemas import (PrescriptionCreateSchema, PrescriptionQuerySchema, PrescriptionSchema, ReviewSchema,
                              VerificationSchema)

bp = Blueprint("prescriptions", __name__, url_prefix="/api/v1", description="E-prescriptions and pharmacist review")


@bp.route("/prescriptions")
class Prescriptions(MethodView):
    @require_role("patient", "doctor")
    @bp.doc(operationId="listPrescriptions")
    @bp.errors({403: "Only patients (their own) and doctors (those they issued)."})
    @bp.arguments(PrescriptionQuerySchema, location="query")
    @bp.response(200, page_of(PrescriptionSchema))
    def get(self, query):
        """Prescriptions newest first: a doctor's issued ones, a patient's own; by consultation, patient or status."""
        return query["page"].answer(prescription_history.list_prescriptions(
            current_actor(), query["page"], query.get("consultation_id"), query.get("patient_id"), query.get("status")))

    @require_role("doctor")
    @idempotent
    @bp.doc(operationId="issuePrescription", parameters=[HEADER_DOC])
    @bp.errors({
        403: "Only doctors, and only the consultation's treating doctor.",
        409: "The consultation is closed to prescribing; a live prescription of the consultation already names "
             "one of the medicines (duplicate_prescription: send `replaces`); the one to replace is being filled; "
             "or a request with the same Idempotency-Key is in progress.",
        422: "Invalid items (fractional quantities, a medicine twice), an unknown consultation or `replaces`, "
             "a reused Idempotency-Key, or the prescribe check refused it (with reasons).",
    })
    @bp.arguments(PrescriptionCreateSchema, example={"consultation_id": "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b", "items": [
        {"code": "C08CA01", "dose": "5 mg", "frequency": "once daily", "route": "oral", "quantity": 28,
         "days_supply": 28}]})
    @bp.response(201, PrescriptionSchema)
    def post(self, body):
        """Issue and sign a prescription for a consultation (the treating doctor); it waits for pharmacist review.
        One live prescription per medicine and consultation: to change one, send `replaces` with its id."""
        prescription = prescriptions.issue_prescription(current_actor(), body["consultation_id"], body["items"],
                                                        replaces=body["replaces"])
        return prescriptions.view_prescription(prescription)


@bp.route("/prescriptions/<string:prescription_id>")
class PrescriptionById(MethodView):
    @require_role("patient", "doctor", "pharmacist")
    @bp.doc(operationId="getPrescription")
    @bp.errors({404: "No such prescription, or not one you may see."})
    @bp.response(200, PrescriptionSchema)
    def get(self, prescription_id):
        """A prescription: its patient, its doctor, the reviewers and the pharmacy filling it."""
        return prescriptions.view_prescription(prescriptions.read_prescription(current_actor(), prescription_id))


@bp.route("/prescriptions/<string:prescription_id>/verify")
class PrescriptionVerification(MethodView):
    @require_role("patient", "doctor", "pharmacist")
    @bp.doc(operationId="verifyPrescription")
    @bp.errors({404: "No such prescription, or not one you may see."})
    @bp.response(200, VerificationSchema)
    def get(self, prescription_id):
        """Recompute the canonical form from the stored prescription and check the doctor's Ed25519 signature."""
        return prescriptions.verify_prescription(current_actor(), prescription_id)


@bp.route("/reviews")
class Reviews(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="listReviewQueue")
    @bp.errors({403: "Only the platform's reviewing pharmacists."})
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(PrescriptionSchema))
    def get(self, query):
        """The review queue: prescriptions waiting for a pharmacist, oldest first (reviewing pharmacists)."""
        page = query["page"]
        return page.answer(prescriptions.view_prescription(p) for p in review.list_review_queue(current_actor(), page))


def _review_item_view(prescription, facts, flags):
    undecided = [f.number for f in flags if f.decision is None]
    return {"prescription": prescriptions.view_prescription(prescription), "facts": facts,
            "flags": [review_item.view_flag(f) for f in flags], "undecided": undecided,
            "approvable": prescription.status == "pending_review" and not undecided
            and all(f.decision != "upheld" for f in flags)}


@bp.route("/prescriptions/<string:prescription_id>/review")
class PrescriptionReview(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="getReviewItem")
    @bp.errors({403: "Only the platform's reviewing pharmacists.", 404: "No such prescription."})
    @bp.response(200, ReviewItemSchema)
    def get(self, prescription_id):
        """The review item: the prescription, the patient facts read from the record when it was submitted (age,
        sex, active allergies and conditions, current medicines) and the pre-review flags with their reasons,
        catalogue citations and decisions."""
        return _review_item_view(*review_item.read_review_item(current_actor(), prescription_id))

    @require_role("pharmacist")
    @bp.doc(operationId="reviewPrescription")
    @bp.errors({
        403: "Only the platform's reviewing pharmacists.",
        404: "No such prescription.",
        409: "The prescription was already reviewed the other way, or (approve) a flag is undecided "
             "(flags_undecided) or upheld (flags_upheld).",
    })
    @bp.arguments(ReviewSchema, example={"decision": "approve"})
    @bp.response(200, PrescriptionSchema)
    def post(self, body, prescription_id):
        """Approve or reject a prescription (reason required to reject); repeating the same decision is a no-op.
        Approval needs every pre-review flag decided and none upheld."""
        prescription, changed = review.review_prescription(current_actor(), prescription_id, body["decision"],
                                                           body.get("reason"))
        return {**prescriptions.view_prescription(prescription), "changed": changed}


@bp.route("/prescriptions/<string:prescription_id>/review/flags/<int:flag_number>")
class ReviewFlagDecision(MethodView):
    @require_role("pharmacist")
    @bp.doc(operationId="decideReviewFlag")
    @bp.errors({
        403: "Only the platform's reviewing pharmacists.",
        404: "No such prescription, or no such flag.",
        409: "The flag was already decided the other way, or the prescription was already reviewed.",
        422: "Overriding needs a reason.",
    })
    @bp.arguments(FlagDecisionSchema, example={"decision": "override",
                                               "reason": "Intentional: amlodipine replaces nifedipine from today."})
    @bp.response(200, FlagDecisionResultSchema)
    def post(self, body, prescription_id, flag_number):
        """Decide one pre-review flag: `uphold` (the concern stands; the prescription can then only be rejected) or
        `override` (safe for this patient; reason required). Decided once: repeating it is a no-op."""
        prescription, flag, changed = review_item.decide_flag(current_actor(), prescription_id, flag_number,
                                                              body["decision"], body.get("reason"))
        return {"prescription_id": prescription.id, "flag": review_item.view_flag(flag), "changed": changed}
