"""Benchmark: GET /api/v1/regions?parent=500000 beside a bare Flask endpoint.

Both are served by gunicorn with 2 sync workers; the regions on PostgreSQL.
Prints requests/s, p50 and p99 for each and their ratio, measured in the same run.

    .venv/bin/python bench/regions.py [--seconds 15] [--connections 4]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, gunicorn, log, report, server_env, wrk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections wrk keeps open")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    args = parser.parse_args()

    database_url = fresh_database("marketplace_bench_regions")
    env = server_env(database_url)
    best: dict[str, object] = {}
    with (
        gunicorn("marketplace:create_app()", env) as app_url,
        gunicorn("bench.bare_app:app", env) as bare_url,
    ):
        targets = {
            "bare Flask GET /bare": bare_url + "/bare",
            "GET /api/v1/regions?parent=500000": app_url + "/api/v1/regions?parent=500000",
        }
        for round_no in range(1, args.rounds + 1):
            for name, url in targets.items():
                log(f"round {round_no}: {name}, {args.connections} connections, {args.seconds}s")
                figures = wrk(name, url, args.connections, args.seconds)
                if name not in best or figures.requests_per_s > best[name].requests_per_s:
                    best[name] = figures
    report(
        f"regions: gunicorn 2 sync workers, PostgreSQL, {args.connections} connections, "
        f"best of {args.rounds}",
        list(best.values()),
        baseline="bare Flask GET /bare",
    )


if __name__ == "__main__":
    main()
