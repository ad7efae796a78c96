"""Who may see which prescription and order, and the relationships pharmacy tells the kernel about.

- a patient: their own prescriptions and orders; a doctor: the prescriptions they issued;
- a reviewer (a pharmacist of a pharmacy with `reviews`): every prescription (the review queue);
- any other pharmacist: prescriptions and orders offered to or held by their own pharmacy.
Everything else answers 404, so ids of other people's data are not even confirmed.
"""
from sqlalchemy import exists, select

from core import auth
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from pharmacy import states
from pharmacy.models import Order, Pharmacy, Prescription

# Orders whose pharmacy may see the patient's minimum data: offered to it or still in its hands.
SERVING_STATES = (states.OFFERED, states.ACCEPTED, states.PREPARED, states.OUT_FOR_DELIVERY)


def is_reviewer(actor):
    """True for a pharmacist of an active pharmacy whose pharmacists review prescriptions."""
    if actor.role != "pharmacist" or not actor.pharmacy_id:
        return False
    return bool(db.session.scalar(select(Pharmacy.reviews).where(
        Pharmacy.id == actor.pharmacy_id, Pharmacy.is_active.is_(True))))


def reviewing_pharmacy_ids():
    """The active pharmacies whose pharmacists review prescriptions (the platform's review desks)."""
    return list(db.session.scalars(select(Pharmacy.id).where(Pharmacy.reviews.is_(True),
                                                             Pharmacy.is_active.is_(True)).order_by(Pharmacy.id)))


def require_reviewer(actor):
    """403 unless `actor` is a reviewer."""
    if not is_reviewer(actor):
        raise ApiError(403, "forbidden", "Only the platform's reviewing pharmacists may do this.")


def pharmacy_sees_order(pharmacy_id, order):
    """True when `order` is offered to or held by `pharmacy_id`."""
    return bool(pharmacy_id) and order.pharmacy_id == pharmacy_id and order.status != states.UNROUTABLE


def can_read_prescription(actor, prescription):
    """The read rule for a prescription (see the module docstring)."""
    if actor.role == "patient":
        return actor.patient_id == prescription.patient_id
    if actor.role == "doctor":
        return bool(actor.practitioner_id) and actor.practitioner_id == prescription.practitioner_id
    if actor.role == "pharmacist":
        return is_reviewer(actor) or bool(db.session.scalar(select(exists().where(
            Order.prescription_id == prescription.id, Order.pharmacy_id == actor.pharmacy_id,
            Order.status.in_(SERVING_STATES + (states.PICKED_UP, states.DELIVERED))))))
    return False


def load_prescription(actor, prescription_id, action="read"):
    """The prescription if `actor` may read it; otherwise audit the denial and answer 404."""
    prescription = db.session.get(Prescription, prescription_id)
    if prescription is None or not can_read_prescription(actor, prescription):
        record_access(actor, action, f"Prescription/{prescription_id}",
                      f"Patient/{prescription.patient_id}" if prescription else None,
                      outcome="denied" if prescription else "failed")
        raise ApiError(404, "not_found", "No such prescription.")
    return prescription


def serves_patient(actor, target):
    """Relationship "pharmacy_serves_patient": the actor's pharmacy has a live order of the patient."""
    patient_id = str(target).removeprefix("Patient/")
    if actor.role != "pharmacist" or not actor.pharmacy_id:
        return False
    return bool(db.session.scalar(select(exists().where(
        Order.patient_id == patient_id, Order.pharmacy_id == actor.pharmacy_id, Order.status.in_(SERVING_STATES)))))


def patients_served(actor):
    """Patient scope for pharmacists: patients with a live order at their pharmacy."""
    if actor.role != "pharmacist" or not actor.pharmacy_id:
        return ()
    return db.session.scalars(select(Order.patient_id).distinct().where(
        Order.pharmacy_id == actor.pharmacy_id, Order.status.in_(SERVING_STATES))).all()


def register():
    """Tell the kernel about pharmacy's relationship and patient scope (called at start-up)."""
    auth.register_relationship("pharmacy_serves_patient", serves_patient)
    auth.register_patient_scope(patients_served)
