"""Ingest benchmark: synthetic resources through records.store in transaction-size batches.

    python bench/records_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/records_bench \
        --resources 20000 --batch 100
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import empty_records, ingest, make_app  # noqa: E402
from seeds.fhir_generator import generate  # noqa: E402


def main(argv=None):
    """Print resources/s for storing --resources resources (validation and index extraction included)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="do not empty the store first")
    args = parser.parse_args(argv)
    app = make_app(args.database_url)
    if not args.keep:
        empty_records(app)
    count, seconds = ingest(app, generate(args.seed, args.resources), batch=args.batch, progress=10_000)
    print(f"ingest: {count} resources in {seconds:.1f}s = {count / seconds:,.0f} resources/s "
          f"(batch {args.batch}, {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]})")


if __name__ == "__main__":
    main()
