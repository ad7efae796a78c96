"""The FHIR view outbox's metrics (core.metrics): its backlog and the age of its oldest row."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from clinic.fhir_views.models import ViewOutbox
from core import clock, metrics
from core.extensions import db


@metrics.scrape_gauges
def view_outbox_backlog():
    """FHIR views waiting in the outbox, and the age of the oldest (seconds; 0 when none): a stuck drain shows here."""
    pending, oldest = db.session.execute(select(func.count(), func.min(ViewOutbox.enqueued_at))).one()
    yield GaugeMetricFamily("cloud_hospital_fhir_view_outbox_pending",
                            "FHIR Slot/Appointment views committed in the clinic tables but not yet written",
                            value=pending)
    age = max(0.0, (clock.now() - oldest).total_seconds()) if oldest is not None else 0.0
    yield GaugeMetricFamily("cloud_hospital_fhir_view_outbox_oldest_seconds",
                            "Age of the oldest FHIR view waiting in the outbox (0 when none)", value=age)
