"""Ingest benchmark: synthetic resources through records.store in transaction-size batches.

    python bench/records_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/records_bench \
        --resources 20000 --batch 100 [--workers 2]

Each worker is a process with its own connection (as web workers would be) storing every
`workers`-th batch; validation with fhir.resources and index extraction are included. Prints the
wall-clock rate and the client CPU time per resource (the rate one core could sustain).
"""
import argparse
import multiprocessing
import os
import sys
import time
from itertools import islice

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import empty_records, ingest, make_app  # noqa: E402
from seeds.fhir_generator import generate  # noqa: E402


def _share(args, worker):
    """This worker's batches of the deterministic stream."""
    stream = generate(args.seed, args.resources)
    while True:
        batches = [list(islice(stream, args.batch)) for _ in range(args.workers)]
        if not batches[0]:
            return
        yield from batches[worker]


def _work(args, worker, queue):
    app = make_app(args.database_url)
    cpu = time.process_time()
    count, _ = ingest(app, _share(args, worker), batch=args.batch)
    queue.put((count, time.process_time() - cpu))


def main(argv=None):
    """Print resources/s for storing --resources resources."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="do not empty the store first")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    if not args.keep:
        empty_records(app)
    ingest(app, ({**r, "id": f"warm-{r['id']}"} for r in generate(99, 300)), batch=100)  # warm caches
    empty_records(app)
    queue = multiprocessing.get_context("fork").Queue()
    started = time.perf_counter()
    workers = [multiprocessing.get_context("fork").Process(target=_work, args=(args, w, queue))
               for w in range(args.workers)]
    for process in workers:
        process.start()
    results = [queue.get() for _ in workers]
    for process in workers:
        process.join()
    seconds = time.perf_counter() - started
    count = sum(c for c, _ in results)
    cpu_us = sum(cpu for _, cpu in results) / count * 1e6
    print(f"ingest: {count} resources in {seconds:.1f}s = {count / seconds:,.0f} resources/s "
          f"(batch {args.batch}, {args.workers} worker(s), client CPU {cpu_us:.0f} us/resource, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
