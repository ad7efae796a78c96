"""After a booking benchmark: double bookings counted from the tables, and how long the FHIR Appointment
views took to follow the bookings (clinic.view_outbox writes them after the commit)."""
import time

import psycopg


def report(url, settle_seconds=30):
    """Print the double bookings and the view lag: the view's last_updated minus the appointment's booked_at
    (taken inside the booking's transaction, so the rest of that transaction and its commit are included)."""
    with psycopg.connect(url, autocommit=True) as conn:
        double = conn.execute("SELECT count(*) FROM slots s WHERE s.capacity < (SELECT count(*) FROM appointments a "
                              "WHERE a.slot_id = s.id AND a.status = 'booked')").fetchone()[0]
        deadline = time.monotonic() + settle_seconds  # let the drainers finish what the last requests left
        while time.monotonic() < deadline and conn.execute(
                "SELECT to_regclass('clinic_view_outbox') IS NOT NULL AND EXISTS (SELECT 1 FROM clinic_view_outbox)"
        ).fetchone()[0]:
            time.sleep(0.2)
        lags = [row[0] for row in conn.execute(
            "SELECT extract(epoch FROM r.last_updated - a.booked_at) * 1000 FROM appointments a "
            "LEFT JOIN fhir_resources r ON r.resource_type = 'Appointment' AND r.id = 'appt-' || a.id ORDER BY 1")]
    missing = sum(1 for lag in lags if lag is None)
    lags = [float(lag) for lag in lags if lag is not None]
    print(f"\nbookings: {len(lags) + missing}, double bookings: {double}, Appointment views missing: {missing}")
    if lags:
        print(f"FHIR Appointment view after booked_at: p50 {lags[len(lags) // 2]:.0f} ms, "
              f"p99 {lags[int(len(lags) * 0.99)]:.0f} ms, max {lags[-1]:.0f} ms", flush=True)
