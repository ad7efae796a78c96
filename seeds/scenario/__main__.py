"""`python -m seeds.scenario --base-url URL`: run the end-to-end journey; exit 0 when every step passed."""
import argparse
import sys

from seeds.scenario import run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m seeds.scenario", description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:5000", help="the service's root URL")
    args = parser.parse_args(argv)
    return run(args.base_url)


if __name__ == "__main__":
    sys.exit(main())
