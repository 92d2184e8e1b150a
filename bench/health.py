"""Benchmark: what a load balancer calls, GET /api/v1/health (readiness: database, Redis and the
queue, checked at most once a second per process) and GET /api/v1/health/live (liveness: touches
nothing), beside a bare Flask endpoint. gunicorn with 2 sync workers, PostgreSQL and Redis.

    .venv/bin/python bench/health.py [--seconds 15] [--connections 4] [--rounds 2]
"""

import argparse
import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, gunicorn, log, report, server_env, wrk  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
BARE = "bare Flask GET /bare"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections wrk keeps open")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    args = parser.parse_args()

    database_url = fresh_database("marketplace_bench_health")
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(database_url, REDIS_URL=REDIS_URL)
    best: dict[str, object] = {}
    with (
        gunicorn("marketplace:create_app()", env) as app_url,
        gunicorn("bench.bare_app:app", env) as bare_url,
    ):
        targets = {
            BARE: bare_url + "/bare",
            "GET /api/v1/health/live": app_url + "/api/v1/health/live",
            "GET /api/v1/health": app_url + "/api/v1/health",
        }
        for round_no in range(1, args.rounds + 1):
            for name, url in targets.items():
                log(f"round {round_no}: {name}, {args.connections} connections, {args.seconds}s")
                figures = wrk(name, url, args.connections, args.seconds)
                if name not in best or figures.requests_per_s > best[name].requests_per_s:
                    best[name] = figures
    report(
        f"health: gunicorn 2 sync workers, PostgreSQL and Redis, {args.connections} connections, "
        f"best of {args.rounds}",
        list(best.values()),
        baseline=BARE,
    )


if __name__ == "__main__":
    main()
