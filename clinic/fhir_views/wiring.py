"""What the FHIR views plug into the app at start-up: their read-only marks on /fhir, the in-process
outbox drainer and the backlog metrics."""


def init_app(app):
    """Mark the views read-only over /fhir and start draining the outbox after each booking."""
    from clinic.fhir_views import drainer, metrics, sync  # noqa: F401  (metrics: scrape-time gauges)

    sync.register_views()
    drainer.init_app(app)
