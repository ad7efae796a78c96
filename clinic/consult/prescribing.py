"""What clinic gives pharmacy at start-up: the consultation resolver (prescriptions come from a
doctor's own consultation, during it or shortly after), the `prescribe` risk check, and the
notifier (inbox + Socket.IO after commit).

Pharmacy names recipients by reference ("Patient/p1", "Practitioner/d1", "Pharmacy/x"); they are
resolved here to the accounts behind them.
"""
from datetime import timedelta

from sqlalchemy import select

from clinic.consult import lifecycle
from clinic.consult.models import Consultation
from clinic.notifications.services import notify_user
from clinic.risk import services as risk
from core import clock
from core.errors import ApiError
from core.extensions import db
from core.models import User
from pharmacy import services as pharmacy_services

PRESCRIBING_WINDOW = timedelta(hours=24)  # "during or right after" the consultation

TITLES = {
    "prescription.issued": "Your doctor issued a prescription; a pharmacist will review it / 医生已开具处方，待药师审核",
    "prescription.to_review": "A new prescription awaits review / 新处方待审核",
    "prescription.approved": "Your prescription was approved / 处方已审核通过",
    "prescription.rejected": "Your prescription was rejected / 处方审核未通过",
    "order.offered": "A new order is offered to your pharmacy / 新订单待接单",
    "order.accepted": "A pharmacy accepted your order / 药房已接单",
    "order.prepared": "Your medicine is ready / 药品已备好",
    "order.out_for_delivery": "Your medicine is on its way / 药品配送中",
    "order.delivered": "Your medicine was delivered / 药品已送达",
    "order.picked_up": "Your medicine was picked up / 药品已取走",
    "order.cancelled": "An order was cancelled / 订单已取消",
    "order.unroutable": "No pharmacy can fill the order now / 暂无药房可配药",
}
_COLUMNS = {"Patient": User.patient_id, "Practitioner": User.practitioner_id, "Pharmacy": User.pharmacy_id}


def users_for(reference):
    """The active accounts behind a reference like "Patient/p1" (a pharmacy has several pharmacists)."""
    kind, _, ident = reference.partition("/")
    column = _COLUMNS.get(kind)
    if column is None or not ident:
        return []
    return list(db.session.scalars(select(User.id).where(column == ident, User.is_active.is_(True))))


def notify_references(event, recipients, payload):
    """Pharmacy's notifier: one inbox entry (and push) per account behind each recipient."""
    title = TITLES.get(event, event)
    for reference in recipients:
        for user_id in users_for(reference):
            notify_user(user_id, event, title, data=payload)


def resolve_consultation(actor, consultation_id):
    """The consultation a prescription comes from: the doctor's own, active or ended within the window."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.status in ("invited", "refused"):
        raise ApiError(422, "unknown_consultation", "Prescriptions come from a started consultation.")
    if consultation.ended_at is not None and clock.now() - consultation.ended_at > PRESCRIBING_WINDOW:
        raise ApiError(409, "consultation_closed", "The consultation ended too long ago to prescribe from it.")
    outcome = consultation.outcome or {}
    return {"patient_id": consultation.patient_id, "practitioner_id": consultation.practitioner_id,
            "encounter_ref": f"Encounter/{consultation.encounter_id}" if consultation.encounter_id else None,
            "complaint_code": consultation.complaint_code, "consultation_id": consultation.id,
            "condition_changed": bool(outcome.get("referral"))}  # ended because the condition changed


def check_prescription(actor, patient_id, items, context=None):
    """The risk engine's `prescribe` checkpoint for these items (logged and audited like every check)."""
    context = context or {}
    medications = [{"code": i["code"], "system": i.get("system"), "days_supply": i.get("days_supply")}
                   for i in items]
    answer = risk.check(actor, "prescribe", patient_id, complaint_code=context.get("complaint_code"),
                        medications=medications, doctor=risk.doctor_facts(actor.practitioner_id),
                        guardian_present=lifecycle.guardian_present(context.get("consultation_id")),
                        condition_changed=context.get("condition_changed", False),
                        context=f"Consultation/{context['consultation_id']}" if context.get("consultation_id")
                        else None)
    return {"decision": answer["decision"], "reasons": answer["reasons"], "next_steps": answer["next_steps"],
            "ruleset_version": answer["ruleset_version"], "decision_id": answer["decision_id"]}


def register():
    """Install the resolver, the prescribe check and the notifier into pharmacy."""
    pharmacy_services.set_consultation_resolver(resolve_consultation)
    pharmacy_services.set_prescribe_check(check_prescription)
    pharmacy_services.set_notifier(notify_references)
