"""Bulk Data export benchmark: time and peak memory of exporting N resources to NDJSON (smart/bulk).

    python bench/bulk_export.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bulk_bench \
        --resources 100000

Stores N synthetic resources (seeds.fhir_generator) through records.store, then, in a fresh interpreter (so its
peak RSS is the export's alone), starts a system-level export and runs the export job (the same function the
scheduler runs) to completion. Prints one JSON line: seconds, resources/s, peak RSS of the exporting process and
its RSS before the export, files and bytes written.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import empty_records, ingest, make_app  # noqa: E402


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_all(database_url):
    """Run one system-level export to completion in this process; the measurements as a dict."""
    from werkzeug.datastructures import MultiDict

    from core.auth import Actor
    from core.extensions import db
    from smart.bulk import kickoff, runner

    app = make_app(database_url)
    with app.app_context():
        job = kickoff.start_export(Actor(None, "system", "bench"), "system", MultiDict(), "bench")
        db.session.commit()
        job_id = job.id
    before = _rss_mb()
    started = time.perf_counter()
    while True:
        with app.app_context():
            runner.run_exports(budget_seconds=30)
            job = db.session.get(runner.BulkExport, job_id)
            status, written, output = job.status, job.written, json.loads(job.output)
            directory = runner.export_dir(job_id)
            db.session.remove()
        if status not in runner.ACTIVE:
            break
    seconds = time.perf_counter() - started
    size = sum(path.stat().st_size for path in directory.iterdir())
    return {"status": status, "written": written, "seconds": round(seconds, 1),
            "resources_per_second": round(written / seconds), "rss_before_mb": round(before),
            "peak_rss_mb": round(_rss_mb()), "files": len(output), "megabytes": round(size / 1e6, 1),
            "database": database_url.split("+")[0].split(":")[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="export what the store holds: store nothing first")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_only:
        print(json.dumps(export_all(args.database_url)))
        return
    if not args.keep:
        from seeds.fhir_generator import generate

        app = make_app(args.database_url)
        empty_records(app)
        count, seconds = ingest(app, generate(args.seed, args.resources), batch=500)
        print(json.dumps({"stored": count, "seconds": round(seconds, 1)}), flush=True)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--export-only", "--database-url",
                    args.database_url], check=True)


if __name__ == "__main__":
    main()
