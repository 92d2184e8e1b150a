"""The load run's short form (bench/load.py, whose long form runs two minutes): the same mix of
catalog, orders paid through Stripe's webhooks, purchase orders and tallies against gunicorn, a
Celery worker, PostgreSQL and Redis; no answer other than 2xx, and the books balance after."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SERVICES

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def test_the_load_run_answers_every_request_and_balances_the_books():
    run = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            *("--seconds", "10", "--rate", "10", "--workers", "2", "--threads", "8"),
            *("--database", "marketplace_test_load", "--redis-url", SERVICES.redis_database_url(13)),
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
    assert run.stdout.count("  ok   ") == 4  # stock, web ledger, the provider's books, procurement
