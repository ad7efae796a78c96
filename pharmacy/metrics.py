"""Pharmacy metrics (core.metrics): prescriptions by state, the pharmacists' review (prescription audit)
backlog, and pharmacy offers that expired unanswered."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from core import clock, metrics
from core.extensions import db
from pharmacy.models import Prescription
from pharmacy.prescriptions import APPROVED, PENDING_REVIEW, REJECTED

PRESCRIPTION_STATES = (PENDING_REVIEW, APPROVED, REJECTED)
OFFERS_EXPIRED = metrics.counter("cloud_hospital_pharmacy_offers_expired",
                                 "Pharmacy offers that expired unanswered (the order went on to the next pharmacy)")


@metrics.scrape_gauges
def prescriptions_by_state():
    """Prescriptions by state, and how many wait for a pharmacist's review and since when (status index)."""
    counts = dict(db.session.execute(select(Prescription.status, func.count()).group_by(Prescription.status)).all())
    by_state = GaugeMetricFamily("cloud_hospital_prescriptions", "Prescriptions by state", labels=["state"])
    for state in PRESCRIPTION_STATES:
        by_state.add_metric([state], counts.get(state, 0))
    yield by_state
    oldest = db.session.scalar(select(func.min(Prescription.issued_at)).where(Prescription.status == PENDING_REVIEW))
    yield GaugeMetricFamily("cloud_hospital_prescription_review_backlog",
                            "Prescriptions waiting for a pharmacist's review (the audit backlog)",
                            value=counts.get(PENDING_REVIEW, 0))
    waited = (clock.now() - oldest).total_seconds() if oldest else 0  # min() keeps the column type: aware UTC
    yield GaugeMetricFamily("cloud_hospital_prescription_review_backlog_oldest_seconds",
                            "How long the oldest prescription waiting for review has waited (0 when none)",
                            value=max(waited, 0))
