"""Consulting-room metrics (core.metrics): chat messages stored, consultations open now."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from clinic.consult.models import LIVE_STATUSES, Consultation
from core import metrics
from core.extensions import db

MESSAGES = metrics.counter("cloud_hospital_consultation_messages",
                           "Consultation chat messages stored (committed; retries not counted), by kind", ["kind"])


@metrics.scrape_gauges
def consultations_open():
    """Consultations invited or active, by state (the status index answers it)."""
    counts = dict(db.session.execute(select(Consultation.status, func.count()).where(
        Consultation.status.in_(LIVE_STATUSES)).group_by(Consultation.status)).all())
    family = GaugeMetricFamily("cloud_hospital_consultations_open", "Consultations invited or active, by state",
                               labels=["state"])
    for state in LIVE_STATUSES:
        family.add_metric([state], counts.get(state, 0))
    yield family
