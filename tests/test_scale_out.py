"""The scale-out run's short form (bench/scale_out.py): two app instances behind a round-robin proxy,
two Celery workers and one beat, sharing PostgreSQL, Redis and the object store. The load mix passes
through the proxy with no answer other than 2xx and the books balance; rate limits, the cache,
idempotency, token revocation and a worker's report hold across the instances."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SERVICES, SLOT, database_name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
# The invariants of the load run (stock, web ledger, the provider's books, procurement), then the
# proxy's turns, rate limits, three of the cache, idempotency, tokens, the report, beat, the two
# workers, local disk.
CHECKS = 4 + 11


def test_two_instances_behind_a_proxy_behave_as_one(worker_id, redis_url):
    # Its own database, and Redis index 14 unless a parallel checkout (a slot) runs it: then this
    # worker's own index, which no other test uses while this one runs.
    database = database_name("marketplace_test_scale_out", worker_id)
    redis = redis_url if SLOT else SERVICES.redis_database_url(14)
    run = subprocess.run(
        [
            sys.executable,
            "bench/scale_out.py",
            *("--seconds", "10", "--rate", "10", "--workers", "1", "--threads", "8"),
            *("--database", database, "--redis-url", redis),
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_ADMIN_DATABASE_URL": SERVICES.postgres_database_url("postgres")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "answers other than 2xx: 0" in run.stdout
    assert "FAIL" not in run.stdout
    assert run.stdout.count("  ok   ") == CHECKS, run.stdout[-4000:]
