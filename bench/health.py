"""Benchmark: what a load balancer calls, GET /api/v1/health (readiness: database, Redis and the
queue, checked at most once a second per process) and GET /api/v1/health/live (liveness: touches
nothing), beside a bare Flask endpoint. gunicorn with 2 sync workers, PostgreSQL and Redis.

    .venv/bin/python bench/health.py [--seconds 15] [--connections 4] [--rounds 2]
"""

import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BARE,
    bare_flask,
    best_of_rounds,
    fresh_database,
    gunicorn,
    report,
    rounds_parser,
    server_env,
)

REDIS_URL = "redis://127.0.0.1:6379/12"


def main() -> None:
    args = rounds_parser(__doc__, "marketplace_bench_health", REDIS_URL).parse_args()
    database_url = fresh_database(args.database)
    redis.Redis.from_url(args.redis).flushdb()
    env = server_env(database_url, REDIS_URL=args.redis)
    with gunicorn("marketplace:create_app()", env) as app_url, bare_flask(env) as bare_url:
        rows = best_of_rounds(
            {
                BARE: (bare_url + "/bare", None),
                "GET /api/v1/health/live": (app_url + "/api/v1/health/live", None),
                "GET /api/v1/health": (app_url + "/api/v1/health", None),
            },
            args,
        )
    report(
        f"health: gunicorn 2 sync workers, PostgreSQL and Redis, {args.connections} connections, "
        f"best of {args.rounds}",
        rows,
        baseline=BARE,
    )


if __name__ == "__main__":
    main()
