"""The scale-out run's short form (bench/scale_out.py): two app instances behind a round-robin proxy,
two Celery workers and one beat, sharing PostgreSQL, Redis and the object store. The load mix passes
through the proxy with no answer other than 2xx and the books balance; rate limits, the cache,
idempotency, token revocation and a worker's report hold across the instances."""

import pytest

from tests.test_load import short_run

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# The invariants of the load run (stock, web ledger, the provider's books, procurement), then the
# proxy's turns, rate limits, three of the cache, idempotency, tokens, the report, beat, the two
# workers, local disk.
CHECKS = 4 + 11


def test_two_instances_behind_a_proxy_behave_as_one(worker_id, redis_url):
    out = short_run(
        "bench/scale_out.py", "marketplace_test_scale_out", 14, worker_id, redis_url, "--workers", "1"
    )
    assert "FAIL" not in out
    assert out.count("  ok   ") == CHECKS, out[-4000:]
