"""Moves this process's wall clock by TEST_CLOCK_OFFSET_SECONDS (time-machine, ticking on in real time).

`.ci/clock-matrix` puts this folder on PYTHONPATH, so that Python imports this module at start-up in every
process of a test run: pytest, its xdist workers and each server, scheduler or job process the tests start.
All of them move by the same offset from the real clock and so agree on "now". Monotonic clocks and sleeps
are left alone. Nothing imports this module otherwise."""
import os

_offset = os.environ.get("TEST_CLOCK_OFFSET_SECONDS")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
