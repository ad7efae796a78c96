"""After a booking benchmark: double bookings counted from the tables, and how long the FHIR Appointment
views took to follow the bookings (clinic.fhir_views.outbox writes them after the commit)."""
import time

import psycopg


def report(url, settle_seconds=30, phases=None):
    """Print the double bookings and the view lag: the view's last_updated minus the appointment's booked_at
    (taken inside the booking's transaction, so the rest of that transaction and its commit are included);
    `phases` {name: slot ids}: the lag of each phase's bookings on its own line too."""
    with psycopg.connect(url, autocommit=True) as conn:
        double = conn.execute("SELECT count(*) FROM slots s WHERE s.capacity < (SELECT count(*) FROM appointments a "
                              "WHERE a.slot_id = s.id AND a.status = 'booked')").fetchone()[0]
        deadline = time.monotonic() + settle_seconds  # let the drainers finish what the last requests left
        has_outbox = conn.execute("SELECT to_regclass('clinic_view_outbox') IS NOT NULL").fetchone()[0]
        while has_outbox and time.monotonic() < deadline and conn.execute(
                "SELECT EXISTS (SELECT 1 FROM clinic_view_outbox)").fetchone()[0]:
            time.sleep(0.2)
        lags = {slot_id: lag for slot_id, lag in conn.execute(
            "SELECT a.slot_id, extract(epoch FROM r.last_updated - a.booked_at) * 1000 FROM appointments a "
            "LEFT JOIN fhir_resources r ON r.resource_type = 'Appointment' AND r.id = 'appt-' || a.id")}
    missing = sum(1 for lag in lags.values() if lag is None)
    print(f"\nbookings: {len(lags)}, double bookings: {double}, Appointment views missing: {missing}")
    for name, slot_ids in {"all bookings": None, **(phases or {})}.items():
        chosen = sorted(float(lag) for slot_id, lag in lags.items()
                        if lag is not None and (slot_ids is None or slot_id in slot_ids))
        if chosen:
            print(f"FHIR Appointment view after booked_at, {name}: p50 {chosen[len(chosen) // 2]:.0f} ms, "
                  f"p99 {chosen[int(len(chosen) * 0.99)]:.0f} ms, max {chosen[-1]:.0f} ms", flush=True)
