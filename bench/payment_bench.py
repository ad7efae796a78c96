"""Payment notification benchmark: how many provider notifications per second the webhook takes, duplicates
included, with the ledger balanced at the end.

    python bench/payment_bench.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/payment_bench] \
        [--charges 500] [--copies 3] [--threads 4]

N charges are created and each gets a sandbox payment; the patient pays every one at the cashier and the
sandbox's signed notifications (`--copies` of each: providers repeat themselves) are posted to
POST /api/v1/payments/notify/sandbox over WSGI by `--threads` concurrent clients, in shuffled order. Printed:
notifications per second, outcomes, and the books: every charge paid once, the ledger summing to zero.
Without --database-url a scratch SQLite file is used.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402

from bench._common import make_app  # noqa: E402


def prepare(app, charges):
    """Create `charges` charges with an open sandbox payment each, paid at the cashier; return the notifications."""
    from billing import payments, services
    from core.auth import Actor
    from core.extensions import db

    with app.app_context():
        refs = []
        for n in range(charges):
            patient = f"bench-patient-{n}"
            charge = services.create_charge(f"Bench/{n}-{time.time_ns()}", patient, None, "institution",
                                            f"inst-{n % 5}", [{"service": "consultation", "description": "Bench",
                                                               "unit_fen": 1000 + n % 7 * 250}])
            payment = payments.create_intent(Actor(None, "patient", patient_id=patient), charge.id)
            refs.append(payment.provider_ref)
        db.session.commit()
        return refs


def pay_all(app, refs, copies):
    from billing.providers import sandbox
    from core.extensions import db

    with app.app_context():
        for ref in refs:
            sandbox.customer_pays(ref, copies=copies)
        db.session.commit()
        due = sandbox.due_notifications(limit=len(refs))
        db.session.rollback()
    return due


def deliver(app, notifications, threads):
    """Post every notification with `threads` concurrent clients; return (seconds, outcome counts)."""
    random.Random(7).shuffle(notifications)
    chunks = [notifications[i::threads] for i in range(threads)]

    def run(chunk):
        client, seen = app.test_client(), Counter()
        for _, body, headers in chunk:
            r = client.post("/api/v1/payments/notify/sandbox", data=body, headers=headers,
                            content_type="application/json")
            seen[r.get_json().get("outcome", r.status_code) if r.status_code == 200 else r.status_code] += 1
        return seen

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = sum(pool.map(run, chunks), Counter())
    return time.perf_counter() - started, outcomes


def books(app):
    from billing import ledger
    from billing.models import Charge, LedgerLine
    from core.extensions import db

    with app.app_context():
        paid = db.session.scalar(select(func.count()).select_from(Charge).where(Charge.status == "paid"))
        journals = db.session.scalar(select(func.count(func.distinct(LedgerLine.journal_id))))
        return paid, journals, ledger.balance()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--charges", type=int, default=500)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='payment-bench-')}/bench.db"
    app = make_app(url)
    print(f"database: {url.split('@')[-1]}; {args.charges} charges, {args.copies} copies, {args.threads} threads")
    refs = prepare(app, args.charges)
    notifications = pay_all(app, refs, args.copies)
    before = books(app)
    seconds, outcomes = deliver(app, notifications, args.threads)
    paid, journals, balance = books(app)
    print(f"notifications: {len(notifications)} in {seconds:.2f} s = {len(notifications) / seconds:,.0f}/s")
    print(f"outcomes: {dict(outcomes)}")
    print(f"charges paid: {paid - before[0]} of {args.charges}; payment journals: {journals - before[1]}; "
          f"ledger balance: {balance} fen")
    if paid - before[0] != args.charges or balance != 0 or outcomes.get("paid") != args.charges:
        sys.exit("the books do not add up")


if __name__ == "__main__":
    main()
