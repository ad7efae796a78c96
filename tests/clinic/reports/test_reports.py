"""The waiting-time report: average and median wait per institution, doctor and day."""
from datetime import timedelta

from tests.clinic.conftest import at, book

T0 = at(2026, 3, 3, 0, 0)


def test_waiting_times_grouped(client, accounts, world, frozen):
    frozen(T0)
    inst_a, inst_b = world.institution(), world.institution()
    doc_a, head_a = world.doctor([inst_a])
    doc_b, head_b = world.doctor([inst_b])
    waits = {doc_a: [10, 20, 60], doc_b: [5]}
    for doctor_id, inst, headers in ((doc_a, inst_a, head_a), (doc_b, inst_b, head_b)):
        slot_id = world.slot(doctor_id, inst, T0 + timedelta(minutes=30), capacity=len(waits[doctor_id]))
        for wait in waits[doctor_id]:
            frozen(T0)
            _, patient = accounts.patient()
            appt = book(client, patient, slot_id).get_json()
            assert client.post(f"/api/v1/appointments/{appt['id']}/check-in", headers=patient).status_code == 200
            frozen.advance(minutes=wait)
            assert client.post(f"/api/v1/appointments/{appt['id']}/call", headers=headers).status_code == 200
    _, admin = accounts.admin()
    url = "/api/v1/reports/waiting-times?from=2026-03-03T00:00:00%2B08:00&to=2026-03-04T00:00:00%2B08:00"
    rows = {r["key"]: r for r in client.get(f"{url}&group_by=doctor", headers=admin).get_json()["items"]}
    assert (rows[doc_a]["average_wait_minutes"], rows[doc_a]["median_wait_minutes"], rows[doc_a]["consultations"]) == (30, 20, 3)
    assert rows[doc_b]["median_wait_minutes"] == 5
    by_inst = client.get(f"{url}&group_by=institution", headers=admin).get_json()["items"]
    assert {r["key"] for r in by_inst} == {inst_a, inst_b}
    by_day = client.get(f"{url}&group_by=day", headers=admin).get_json()["items"]
    assert by_day == [{"key": "2026-03-03", "name": "2026-03-03", "consultations": 4,
                       "average_wait_minutes": 23.8, "median_wait_minutes": 15.0}]
    assert client.get(f"{url}&group_by=day", headers=head_a).status_code == 403
    assert client.get("/api/v1/reports/waiting-times?from=2026-03-04T00:00:00Z&to=2026-03-03T00:00:00Z",
                      headers=admin).status_code == 422
