"""The whole journey in headless Chromium, in separate browser contexts as separate people would:
the patient books and queues, the doctor calls them in, both chat in real time (each sees the other's
message), a video call connects, the doctor diagnoses, ends and prescribes, the reviewing pharmacist
approves, the patient asks for pickup, the pharmacy accepts and prepares, and the patient sees it live;
then the admin reports show the wait, the room's busy time and the risk decisions."""
import pytest

from tests.consoles.journey import journey_world, run_journey

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_patient_doctor_pharmacy_journey(app, open_page):
    journey_world(app)
    pages = run_journey(open_page)
    for page in pages:
        assert page.errors == [], page.url
