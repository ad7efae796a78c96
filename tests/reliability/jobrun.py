"""Run one registered periodic job in a process of its own, as the scheduler leader would, on the
database named by DATABASE_URL:

    python -m tests.reliability.jobrun JOB_ID [--at ISO-8601] [--slow MODULE:FUNCTION=SECONDS]

`--at` fixes the clock (the job sees that time as now); `--slow` wraps a function the job calls so each
call prints `step` and then sleeps, which lets a test kill the process in the middle of a run. Prints
`result <value>` when the job returns."""
import argparse
import importlib
import sys
import time
from datetime import datetime


def _slow_down(spec):
    target, seconds = spec.rsplit("=", 1)
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    def slowed(*args, **kwargs):
        result = original(*args, **kwargs)
        print("step", flush=True)
        time.sleep(float(seconds))
        return result

    setattr(module, name, slowed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job_id")
    parser.add_argument("--at")
    parser.add_argument("--slow")
    args = parser.parse_args(argv)
    from cloud_hospital.app import create_app
    from core import clock, scheduler

    app = create_app()
    if args.at:
        at = datetime.fromisoformat(args.at)
        clock.set_clock(lambda: at)
    if args.slow:
        _slow_down(args.slow)
    print("result", scheduler.run_job(app, args.job_id), flush=True)


if __name__ == "__main__":
    sys.exit(main())
