"""The admin console's reports as charts, in English and in Chinese: waiting times by day and by institution
and room utilisation are inline SVG bar charts (role="img", a title and a label reading every value), one bar
per row of the report the API gives, with the table kept beside them as the data."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.consult import Consultation, ConsultRoom
from clinic.directory import Doctor, Institution
from clinic.scheduling import Slot
from core import clock
from core.extensions import db
from tests.consoles.admin_helpers import LANGUAGES, WORDS, admin_page, bearer
from tests.demo_world import SHANGHAI

pytestmark = [pytest.mark.live]

# (days ago, practitioner, institution code, minutes waited): three days, two institutions
VISITS = [(1, "demo-practitioner-1", "NB-CLOUD", 12), (2, "demo-practitioner-1", "NB-CLOUD", 4),
          (2, "demo-practitioner-2", "NB-YZ-SECOND", 30), (3, "demo-practitioner-2", "NB-YZ-SECOND", 8)]


def _past_visits(app):
    """Finished visits of the last days: checked in, called after a wait, a 15-minute consultation in one room."""
    with app.app_context():
        room_id = db.session.scalars(select(ConsultRoom.id).order_by(ConsultRoom.code)).first()
        for days_ago, practitioner, code, wait in VISITS:
            doctor_id = db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == practitioner))
            institution_id = db.session.scalar(select(Institution.id).where(Institution.code == code))
            starts = (clock.now() - timedelta(days=days_ago)).replace(second=0, microsecond=0)
            local_date = (starts + SHANGHAI).date()
            slot = Slot(doctor_id=doctor_id, institution_id=institution_id, kind="online", session="morning",
                        local_date=local_date, starts_at=starts, ends_at=starts + timedelta(minutes=60), capacity=1,
                        booked=1, held=0, status="open", flagged=False)
            db.session.add(slot)
            db.session.flush()
            called = starts + timedelta(minutes=wait)
            db.session.add(Appointment(
                patient_id="history-patient", user_id="history-user", doctor_id=doctor_id,
                institution_id=institution_id,
                slot_id=slot.id, kind="online", channel="app", status="finished", starts_at=starts,
                ends_at=slot.ends_at, local_date=local_date, session="morning", slot_minutes=60, queue_number=1,
                booked_at=starts - timedelta(days=1), checked_in_at=starts, called_at=called,
                finished_at=called + timedelta(minutes=15)))
            db.session.add(Consultation(
                room_id=room_id, patient_id="history-patient", patient_user_id="history-user",
                doctor_user_id="history-doctor", status="ended", invited_at=called, started_at=called,
                ended_at=called + timedelta(minutes=15), end_reason="doctor"))
        db.session.commit()


def _bars(page, chart):
    return page.locator(f"#{chart} svg[role=img] g.bar")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_charts_have_one_bar_per_row_of_the_reports(app, client, open_page, locale):
    from playwright.sync_api import expect

    _past_visits(app)
    admin = admin_page(open_page, locale)
    expect(_bars(admin, "chart-wait-day")).to_have_count(3)
    expect(_bars(admin, "chart-wait-institution")).to_have_count(2)
    expect(_bars(admin, "chart-util")).to_have_count(3)  # one room, three days
    expect(admin.locator("#util-rows tr[data-room]")).to_have_count(3)

    day_chart = admin.locator("#chart-wait-day svg[role=img]")
    expect(day_chart).to_have_attribute("aria-label", re.compile(re.escape(WORDS[locale]["wait_day"])))
    expect(day_chart.locator("title")).to_have_count(1)
    by_day = {b.get_attribute("data-label"): float(b.get_attribute("data-value"))
              for b in _bars(admin, "chart-wait-day").all()}
    window = f"from={admin.input_value('#from')}T00:00:00%2B08:00&to=2099-01-01T00:00:00Z"  # the page's window
    api_rows = client.get(f"/api/v1/reports/waiting-times?{window}&group_by=day",
                          headers=bearer(client)).get_json()["items"]
    assert by_day == {r["name"]: r["average_wait_minutes"] for r in api_rows}
    assert sorted(by_day.values()) == [8.0, 12.0, 17.0]

    admin.select_option("#group-by", "institution")  # the table follows the grouping; the charts stay
    admin.click("#window-form button[type=submit]")
    expect(admin.locator("#waiting-rows tr[data-key]")).to_have_count(2)
    expect(admin.locator("#chart-wait-institution")).to_contain_text("Yinzhou Second Hospital")
    assert admin.errors == []

