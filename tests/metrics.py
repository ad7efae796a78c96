"""Read /metrics the way Prometheus does (the text format parser), for tests of the metrics."""
from prometheus_client.parser import text_string_to_metric_families


def scrape(client):
    """{(sample name, frozenset of label items): value} from one GET /metrics (a loopback test client)."""
    r = client.get("/metrics")
    assert r.status_code == 200, r.get_data(as_text=True)
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(r.get_data(as_text=True)) for s in family.samples}


def value(samples, name, **labels):
    """The sample `name` with exactly `labels` (0 when absent: a labelled counter not yet incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
