"""The FHIR views of charges (issue 19 item 5): an Invoice per charge (`invoice-<charge id>`) and a ChargeItem per
line (`chargeitem-<charge id>-<position>`), written through records.api as the system in the transaction that
changes the charge (created, paid, refunded, voided, expired, its payee known). The charge tables are the source of
truth; records refuses to write these views for anyone else (records.derived), and the patient reads their own
in their compartment (Invoice.subject/recipient, ChargeItem.subject). Amounts are fen in our tables and decimal
yuan (CNY) here, converted exactly (a whole number of fen over 100, never rounded)."""
from sqlalchemy import select

from billing.models import Charge, ChargeItem
from core.auth import SYSTEM
from core.extensions import db
from records import api as records

MAINTAINER = "billing"
CHARGES_PATH = "/api/v1/charges"
CHARGE_SYSTEM = "urn:cloud-hospital:charge"
CHARGE_ITEM_SYSTEM = "urn:cloud-hospital:charge-item"
SERVICE_SYSTEM = "urn:cloud-hospital:billing-service"
PHARMACY_SYSTEM = "urn:cloud-hospital:pharmacy"
CURRENCY = "CNY"
INVOICE_STATUS = {"pending": "issued", "paid": "balanced", "refunded": "cancelled", "void": "cancelled",
                  "expired": "cancelled"}
ITEM_STATUS = {"pending": "billable", "paid": "billed", "refunded": "not-billable", "void": "not-billable",
               "expired": "not-billable"}
CANCELLED_REASON = {"refunded": "Refunded in full", "void": "Voided: {reason}", "expired": "Not paid in time"}


def invoice_id(charge_id):
    return f"invoice-{charge_id}"


def charge_item_id(charge_id, position):
    return f"chargeitem-{charge_id}-{position}"


def money(fen):
    """Integer fen as a CNY Money: whole yuan as an integer, else the float whose shortest form is fen / 100
    exactly (a double holds every amount of fewer than 15 digits to the cent)."""
    return {"value": fen // 100 if fen % 100 == 0 else fen / 100, "currency": CURRENCY}


def _issuer(charge):
    if not charge.payee_id:
        return None
    if charge.payee_kind == "institution":
        return {"reference": f"Organization/org-{charge.payee_id}"}  # the clinic's view of the institution
    return {"identifier": {"system": PHARMACY_SYSTEM, "value": charge.payee_id}, "display": "Pharmacy"}


def _source(charge):
    """The booking's Appointment view (the clinic's `appt-<id>`); an order has no FHIR view of its own."""
    kind, _, source_id = charge.source_ref.partition("/")
    return {"reference": f"Appointment/appt-{source_id}"} if kind == "Appointment" else None


def _charge_item(charge, item):
    patient = {"reference": f"Patient/{charge.patient_id}"}
    resource = {
        "resourceType": "ChargeItem",
        "identifier": [{"system": CHARGE_ITEM_SYSTEM, "value": f"{charge.id}/{item.position}"}],
        "status": ITEM_STATUS[charge.status],
        "code": {"coding": [{"system": SERVICE_SYSTEM, "code": item.service}], "text": item.description},
        "subject": patient,
        "occurrenceDateTime": charge.created_at.isoformat(),
        "quantity": {"value": item.quantity},
        "priceOverride": money(item.unit_fen),
        "overrideReason": "Price from the payee's fee schedule",
        "enteredDate": charge.created_at.isoformat(),
    }
    if item.code:
        resource["code"]["coding"].append({"system": f"{SERVICE_SYSTEM}/{item.service}", "code": item.code})
    source = _source(charge)
    if source:
        resource["supportingInformation"] = [source]
    return resource


def _line_item(charge, item):
    return {"sequence": item.position,
            "chargeItemReference": {"reference": f"ChargeItem/{charge_item_id(charge.id, item.position)}"},
            "priceComponent": [{"type": "base", "code": {"text": item.description},
                                "factor": item.quantity, "amount": money(item.amount_fen)}]}


def _payment_terms(charge):
    if charge.status == "pending":
        due = f" by {charge.due_at.isoformat()}" if charge.due_at else ""
        return f"Pay {money(charge.amount_fen)['value']} {CURRENCY} in the app{due}."
    if charge.paid_at is not None and charge.paid_fen:
        return f"Paid {money(charge.paid_fen)['value']} {CURRENCY} on {charge.paid_at.isoformat()}."
    return "Nothing to pay." if not charge.amount_fen else "Not paid."


def _invoice(charge, items):
    patient = {"reference": f"Patient/{charge.patient_id}"}
    resource = {
        "resourceType": "Invoice",
        "identifier": [{"system": CHARGE_SYSTEM, "value": charge.id}],
        "status": INVOICE_STATUS[charge.status],
        "subject": patient,
        "recipient": patient,
        "date": charge.created_at.isoformat(),
        "lineItem": [_line_item(charge, item) for item in items],
        "totalNet": money(charge.amount_fen),
        "totalGross": money(charge.amount_fen),
        "paymentTerms": _payment_terms(charge),
    }
    if resource["status"] == "cancelled":
        resource["cancelledReason"] = CANCELLED_REASON[charge.status].format(reason=charge.closed_reason or "")
    issuer = _issuer(charge)
    if issuer:
        resource["issuer"] = issuer
    if charge.refunded_fen:
        resource["note"] = [{"text": f"Refunded {money(charge.refunded_fen)['value']} {CURRENCY}."}]
    if not items:
        del resource["lineItem"]
    return resource


def write_views(charge_id):
    """(Re)write the Invoice and ChargeItems of a charge from its committed-to-be row; unchanged ones keep their
    version. Called after every change of the charge, in its transaction."""
    charge = db.session.get(Charge, charge_id, populate_existing=True)
    items = db.session.scalars(select(ChargeItem).where(ChargeItem.charge_id == charge_id)
                               .order_by(ChargeItem.position)).all()
    write_views_of(charge, items)


def views_of_sources(source_refs):
    """The views (Invoices, ChargeItems) of the charges of `source_refs` ("Appointment/<id>"; those without a charge
    are skipped) from their current rows, read with the row lock every writer of a charge takes (FOR NO KEY UPDATE,
    in id order), so whoever writes them after this never overwrites a newer view with an older one: for an outbox
    draining after commit, which writes them as the system along with its own views (records.api.update_many)."""
    charges = db.session.scalars(select(Charge).where(Charge.source_ref.in_(sorted(set(source_refs))))
                                 .order_by(Charge.id).with_for_update(key_share=True)
                                 .execution_options(populate_existing=True)).all()
    if not charges:
        return []
    items = {}
    for item in db.session.scalars(select(ChargeItem).where(ChargeItem.charge_id.in_([c.id for c in charges]))
                                   .order_by(ChargeItem.charge_id, ChargeItem.position)):
        items.setdefault(item.charge_id, []).append(item)
    return [view for charge in charges for view in _views(charge, items.get(charge.id, []))]


def _views(charge, items):
    views = [{**_charge_item(charge, item), "id": charge_item_id(charge.id, item.position)} for item in items]
    return views + [{**_invoice(charge, items), "id": invoice_id(charge.id)}]


def _write(views):
    records.update_many(SYSTEM, sorted(views, key=lambda r: (r["resourceType"], r["id"])), skip_unchanged=True,
                        maintainer=MAINTAINER)


def write_views_of(charge, items):
    """Write the views of `charge` and its `items` as they are (a charge just inserted needs no re-read): one
    records call for all of them (one locked read, one pipeline, one audit statement), in a fixed order."""
    _write(_views(charge, items))


def register_views():
    """Declare the views to records: read and searched over FHIR, written by billing only. Ours by their id prefix
    or our identifier systems; Invoices and ChargeItems from outside stay ordinary records."""
    records.register_view("Invoice", maintainer=MAINTAINER, path=CHARGES_PATH, match=records.any_of(
        records.id_prefix("invoice-"), records.identifier_system(CHARGE_SYSTEM)))
    records.register_view("ChargeItem", maintainer=MAINTAINER, path=CHARGES_PATH, match=records.any_of(
        records.id_prefix("chargeitem-"), records.identifier_system(CHARGE_ITEM_SYSTEM)))
