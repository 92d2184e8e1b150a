import pytest

from marketplace.health import services as health


def test_health_is_ok_with_the_database_up(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json["database"]["ok"] is True


def test_health_reports_degraded_not_an_error_when_redis_is_down(app, client, monkeypatch):
    # Nothing listens on port 1: the app's Redis is down.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json["status"] == "degraded"
    assert r.json["redis"]["ok"] is False and r.json["redis"]["error"] == "ConnectionError"
    assert r.json["database"]["ok"] is True


def test_regions_still_answer_while_redis_is_down(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert client.get("/api/v1/regions/500236").status_code == 200


@pytest.mark.redis
def test_health_sees_workers_through_their_heartbeat(app, client):
    r = client.get("/api/v1/health")
    assert r.json["queue"]["mode"] == "celery"
    health.record_heartbeat()
    r = client.get("/api/v1/health")
    assert r.json["status"] == "ok"
    assert r.json["queue"]["workers_seen"] is True and r.json["queue"]["worker_heartbeat_age_s"] < 5
