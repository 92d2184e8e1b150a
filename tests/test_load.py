"""The load run's short form (bench/load.py, whose long form runs two minutes): the same mix of
catalog, orders paid through Stripe's webhooks, purchase orders and tallies against gunicorn, a
Celery worker, PostgreSQL and Redis; no answer other than 2xx, and the books balance after."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SERVICES, SLOT, database_name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def short_run(script: str, stem: str, index: int, worker_id: str, redis_url: str, *args: str) -> str:
    """A benchmark's short form, as its test runs it: its own database, and Redis index `index` unless
    a parallel checkout (a slot) runs it: then this worker's own index, which no other test uses while
    this one runs. Its output, once it has answered every request with a 2xx."""
    run = subprocess.run(
        [
            sys.executable,
            script,
            *("--seconds", "10", "--rate", "10", "--threads", "8", *args),
            *("--database", database_name(stem, worker_id)),
            *("--redis-url", redis_url if SLOT else SERVICES.redis_database_url(index)),
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
    return run.stdout


def test_the_load_run_answers_every_request_and_balances_the_books(worker_id, redis_url):
    out = short_run("bench/load.py", "marketplace_test_load", 13, worker_id, redis_url, "--workers", "2")
    assert out.count("  ok   ") == 4  # stock, web ledger, the provider's books, procurement
