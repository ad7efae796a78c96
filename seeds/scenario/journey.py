"""Numbered steps and the state they share: each step does what an app would, then says what it saw."""
import sys
import time
from datetime import timedelta

from seeds.scenario.client import StepFailed, compact

# The demo accounts the scenario relies on (README "Demo accounts").
DOCTOR = ("doctor.wang", "doctor123")
REVIEWER = ("pharmacist.zhao", "review123")
ADMIN = ("admin", "admin12345")
PHARMACISTS = {"demo-pharmacy-1": ("pharmacist.li", "pharma123")}
INELIGIBLE_PATIENT = ("13800000003", "patient123")
COMPLAINT = "I10"  # essential hypertension (ICD-10)
STABLE_VITALS = {"systolic_bp": 138, "diastolic_bp": 86, "heart_rate": 74, "temperature_c": 36.6, "spo2": 98,
                 "respiratory_rate": 16}
# Where the new patient lives: Zhongshan West Road, Haishu (delivery address).
HOME = {"lat": 29.8716, "lon": 121.5402, "address": "浙江省宁波市海曙区中山西路150号 Zhongshan West Rd 150, Haishu"}


class Story:
    """What the steps learn as the journey goes on (ids, the signed-in parties, live connections)."""

    def __init__(self, api):
        self.api = api  # anonymous
        self.patient = self.doctor = self.doctor_record = None
        self.account = {}
        self.sockets = []
        self.values = {}

    def __getitem__(self, key):
        return self.values[key]

    def __setitem__(self, key, value):
        self.values[key] = value

    def close(self):
        for connection in self.sockets:
            connection.close()


def minutes(delta):
    """A timedelta as whole minutes (for messages)."""
    return int(delta / timedelta(minutes=1))


class Journey:
    """Runs the steps in order, numbering them; stops at the first failure with the problem details."""

    def __init__(self, steps, out=None):
        self.steps = steps
        self.out = out or sys.stdout

    def _print(self, text):
        print(text, file=self.out, flush=True)

    def run(self, story):
        """0 when every step passed; 1 (after printing what went wrong) at the first failure."""
        started = time.perf_counter()
        for number, (title, action) in enumerate(self.steps, start=1):
            try:
                seen = action(story)
            except StepFailed as exc:
                self._print(f"{number}. FAILED: {title}")
                self._print(f"   {exc}")
                if exc.problem is not None:
                    self._print(f"   problem details: {compact(exc.problem)}")
                return 1
            lines = [seen] if isinstance(seen, str) else list(seen or [title])
            self._print(f"{number}. {lines[0]}")
            for line in lines[1:]:
                self._print(f"   {line}")
        self._print(f"scenario passed: {len(self.steps)} steps in {time.perf_counter() - started:.1f} s")
        return 0
