"""Liveness of what the service depends on: database, Redis, the task queue.

A load balancer asks every second or so, from several places: each process checks at most once per
HEALTH_CHECK_SECONDS and answers the checks in between from that report, so a flood of checks costs
one check per interval. The Redis client is kept per process, not made anew for every check.
"""

import threading
import time
from typing import Any

import redis
from flask import current_app
from sqlalchemy import text

from marketplace.extensions import db

HEARTBEAT_KEY = "marketplace:worker-heartbeat"
# Beat records a heartbeat every minute; three missed ones mean no worker is running.
HEARTBEAT_STALE_SECONDS = 180


_lock = threading.Lock()


def _redis() -> redis.Redis:
    url = current_app.config["REDIS_URL"]
    kept = current_app.extensions.get("health_redis")
    if kept is None or kept[0] != url:
        kept = (url, redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5))
        current_app.extensions["health_redis"] = kept
    return kept[1]


def live() -> dict[str, str]:
    """The process answers: nothing else is touched."""
    return {"status": "ok"}


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; the reason is reported
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {
        "ok": True,
        "dialect": db.engine.dialect.name,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def check_redis_and_queue() -> tuple[dict[str, Any], dict[str, Any]]:
    if not current_app.config["REDIS_URL"]:
        return {"ok": True, "mode": "none (embedded default)"}, {"ok": True, "mode": "in-process"}
    try:
        client = _redis()
        client.ping()
        beat = client.get(HEARTBEAT_KEY)
    except redis.RedisError as exc:
        down = {"ok": False, "error": type(exc).__name__}
        return down, {"ok": False, "mode": "celery", "error": "broker unreachable"}
    age = round(time.time() - float(beat), 1) if beat else None
    workers_seen = age is not None and age < HEARTBEAT_STALE_SECONDS
    queue = {
        "ok": workers_seen,
        "mode": "celery",
        "worker_heartbeat_age_s": age,
        "workers_seen": workers_seen,
    }
    return {"ok": True}, queue


def health() -> tuple[dict[str, Any], int]:
    """check_services(), made at most once per HEALTH_CHECK_SECONDS in this process."""
    interval = current_app.config["HEALTH_CHECK_SECONDS"]
    with _lock:
        kept: tuple[float, tuple[dict[str, Any], int]] | None = current_app.extensions.get("health_report")
        if kept is not None and time.monotonic() - kept[0] < interval:
            return kept[1]
        report = check_services()
        current_app.extensions["health_report"] = (time.monotonic(), report)
        return report


def check_services() -> tuple[dict[str, Any], int]:
    """The report and its status: 200 when the database answers (ok or degraded), 503 when it does not."""
    database = check_database()
    redis_status, queue = check_redis_and_queue()
    if not database["ok"]:
        status, code = "down", 503
    elif redis_status["ok"] and queue["ok"]:
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return {"status": status, "database": database, "redis": redis_status, "queue": queue}, code


def record_heartbeat() -> float | None:
    """Seen by /health through Redis; on the embedded default (no Redis) no worker is watched."""
    if not current_app.config["REDIS_URL"]:
        return None
    now = time.time()
    _redis().set(HEARTBEAT_KEY, now, ex=HEARTBEAT_STALE_SECONDS * 2)
    return now
