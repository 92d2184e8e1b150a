"""A real Celery worker process, fed through Redis."""

import os
import subprocess
import sys
import time

import pytest

from marketplace.extensions import celery_app
from workers.beat import SCHEDULE
from workers.tasks.system import ping, record_heartbeat

pytestmark = [pytest.mark.redis]


@pytest.fixture
def worker(app, settings, tmp_path, monkeypatch):
    celery_app.conf.task_always_eager = False
    env = {
        **os.environ,
        "DATABASE_URL": settings["DATABASE_URL"],
        "REDIS_URL": settings["REDIS_URL"],
        "MARKETPLACE_ENV": "test",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield proc
    celery_app.conf.task_always_eager = True
    proc.terminate()
    proc.wait(timeout=20)
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
