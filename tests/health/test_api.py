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


def test_liveness_answers_while_the_database_is_down_and_touches_nothing(app, client, monkeypatch):
    def refuse():
        raise AssertionError("liveness checked a service")

    monkeypatch.setattr(health, "check_database", refuse)
    monkeypatch.setattr(health, "check_redis_and_queue", refuse)
    r = client.get("/api/v1/health/live")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readiness_checks_once_per_interval_and_answers_the_rest_from_that_report(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_CHECK_SECONDS", 60)
    app.extensions.pop("health_report", None)  # an earlier test's
    checks = []
    real = health.check_database

    def counted():
        checks.append(1)
        return real()

    monkeypatch.setattr(health, "check_database", counted)
    answers = [client.get("/api/v1/health") for _ in range(20)]
    assert len(checks) == 1
    assert {r.status_code for r in answers} == {200}
    assert all(r.json == answers[0].json for r in answers)
    # Once the interval is over, the next check checks again and sees what changed.
    monkeypatch.setitem(app.config, "HEALTH_CHECK_SECONDS", 0)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    r = client.get("/api/v1/health")
    assert len(checks) == 2 and r.json["status"] == "degraded"


def test_readiness_is_503_while_the_database_is_down(app, client, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: {"ok": False, "error": "OperationalError"})
    assert client.get("/api/v1/health").status_code == 503
    assert client.get("/api/v1/health/live").status_code == 200
