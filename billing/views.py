"""App API: charges, payments (intents and the provider's webhook), refunds and receipts."""
from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select

from billing import charges, payments, receipts, refunds
from billing.models import Payment
from billing.schemas import (ChargeQuerySchema, ChargeSchema, NotificationAnswerSchema, PaymentRequestSchema,
                             PaymentSchema, RefundRequestSchema, RefundSchema)
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.dbutil import retry_transient
from core.extensions import db
from core.idempotency import HEADER_DOC, idempotent
from core.pagination import page_of

bp = Blueprint("billing", __name__, url_prefix="/api/v1", description="Charges, payment and refunds")


@bp.route("/charges")
class Charges(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="listCharges")
    @bp.arguments(ChargeQuerySchema, location="query")
    @bp.response(200, page_of(ChargeSchema))
    def get(self, query):
        """The caller's charges, newest first (administrators: everybody's)."""
        page = query["page"]
        rows = charges.list_charges(current_actor(), page, query.get("status"), query.get("source"))
        return page.answer(charges.view_charge(c) for c in rows)


@bp.route("/charges/<string:charge_id>")
class ChargeById(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="getCharge")
    @bp.errors({404: "No such charge, or not yours."})
    @bp.response(200, ChargeSchema)
    def get(self, charge_id):
        """One charge with its items."""
        actor = current_actor()
        charge = charges.load_charge(actor, charge_id)
        record_access(actor, "read", f"Charge/{charge.id}", f"Patient/{charge.patient_id}")
        return charges.view_charge(charge)


@bp.route("/charges/<string:charge_id>/receipt")
class Receipt(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="getReceipt", responses={200: {"description": "The receipt (text/plain; charset=utf-8)",
                                                        "content": {"text/plain": {"schema": {"type": "string"}}}}})
    @bp.errors({404: "No such charge, or not yours."})
    def get(self, charge_id):
        """Download the receipt of a charge: its items, what was paid and refunded."""
        actor = current_actor()
        charge = charges.load_charge(actor, charge_id)
        record_access(actor, "read", f"Charge/{charge.id}", f"Patient/{charge.patient_id}", detail="receipt")
        paid = db.session.scalars(select(Payment).where(Payment.charge_id == charge.id)
                                  .order_by(Payment.created_at)).all()
        return Response(receipts.render(charge, paid), mimetype="text/plain",
                        headers={"Content-Disposition": f'attachment; filename="receipt-{charge.id}.txt"'})


@bp.route("/payments")
class Payments(MethodView):
    @require_role("patient")
    @bp.doc(operationId="createPayment")
    @bp.errors({404: "No such charge, or not yours.", 409: "The charge is not pending (paid, void ...).",
                503: "The payment provider did not answer: nothing was opened, retry after Retry-After seconds."})
    @bp.arguments(PaymentRequestSchema, example={"charge_id": "4f0c..."})
    @bp.response(201, PaymentSchema)
    def post(self, body):
        """Pay a pending charge: the payment intent with the provider's QR code and redirect URL (the open one
        again when there is one)."""
        return payments.view_payment(payments.create_intent(current_actor(), body["charge_id"]))


@bp.route("/payments/<string:payment_id>")
class PaymentById(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="getPayment")
    @bp.errors({404: "No such payment, or not yours."})
    @bp.response(200, PaymentSchema)
    def get(self, payment_id):
        """A payment and its status (pending until the provider's notification, or the repair job, says paid)."""
        return payments.view_payment(payments.read_payment(current_actor(), payment_id))


@bp.route("/payments/<string:payment_id>/query")
class PaymentQuery(MethodView):
    @require_role("patient", "admin")
    @bp.doc(operationId="queryPayment")
    @bp.errors({404: "No such payment, or not yours.",
                503: "The payment provider did not answer: retry after Retry-After seconds."})
    @bp.response(200, PaymentSchema)
    def post(self, payment_id):
        """Back from the provider's cashier: ask the provider now whether a pending payment went through (the
        notification may still be on its way) and answer the payment as it then stands."""
        return payments.view_payment(payments.query_payment(current_actor(), payment_id))


@bp.route("/payments/notify/<string:provider>")
class Notify(MethodView):
    @bp.doc(operationId="paymentNotification", security=[])
    @bp.errors({401: "The signature is not the provider's (audited).",
                404: "No such provider.",
                409: "A replay: signed too long ago (audited)."})
    @bp.response(200, NotificationAnswerSchema)
    def post(self, provider):
        """The provider's asynchronous notification (no bearer token: its signature proves it). Every genuine
        notification is answered 200 so the provider stops retrying: duplicates, unknown or refunded payments
        change nothing and are logged."""
        outcome = payments.receive_notification(provider, request.headers, request.get_data(cache=True))
        return {"code": "SUCCESS", "outcome": outcome}


@bp.route("/refunds")
class Refunds(MethodView):
    @require_role("patient", "admin")
    @retry_transient
    @idempotent
    @bp.doc(operationId="createRefund", parameters=[HEADER_DOC])
    @bp.errors({404: "No such charge, or not yours.",
                409: "No rule allows a refund now, nothing is left to refund, or the amount exceeds it; or a request "
                     "with this Idempotency-Key is still in progress.",
                422: "Invalid fields, an administrator's refund outside the rules without a reason, or the "
                     "Idempotency-Key was used with another request.",
                503: "The payment provider did not answer: nothing was refunded, retry after Retry-After seconds."})
    @bp.arguments(RefundRequestSchema, example={"charge_id": "4f0c...", "reason": "cancelled"})
    @bp.response(201, RefundSchema)
    def post(self, body):
        """Refund (part of) a paid charge: patients when a rule allows it, administrators with a reason."""
        refund = refunds.request_refund(current_actor(), body["charge_id"], body.get("amount_fen"), body.get("reason"))
        return refunds.view_refund(refund)
