"""A real Celery worker process, fed through Redis."""

import time

import pytest

from marketplace.extensions import celery_app
from marketplace.health.tasks import ping, record_heartbeat
from tests.processes import service_env, start_worker, stop
from workers.beat import SCHEDULE

pytestmark = [pytest.mark.redis]


@pytest.fixture
def worker(app, settings, tmp_path):
    celery_app.conf.task_always_eager = False
    log_path = tmp_path / "worker.log"
    proc = start_worker(service_env(settings), log_path)
    yield proc
    celery_app.conf.task_always_eager = True
    stop(proc)
    print(log_path.read_text()[-3000:])


def test_worker_runs_a_task_sent_through_redis(worker):
    assert celery_app.conf.task_always_eager is False
    result = ping.apply_async()
    assert result.get(timeout=60) == {"pong": True, "database": True}


def test_worker_heartbeat_makes_health_report_workers(worker, client):
    record_heartbeat.apply_async()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if client.get("/api/v1/health").json["queue"]["workers_seen"]:
            break
        time.sleep(0.2)
    assert client.get("/api/v1/health").json["queue"]["workers_seen"] is True


def test_beat_schedule_records_a_heartbeat_every_minute():
    assert SCHEDULE["record-heartbeat"] == {"task": "system.record_heartbeat", "schedule": 60.0}
    assert "system.record_heartbeat" in celery_app.tasks
