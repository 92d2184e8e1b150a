"""Hardening a browser or a hostile client would meet: headers, CORS, password changes, the audit log."""

import pytest

from marketplace.config import DEV_SECRET_KEY, ConfigError, load
from tests.conftest import PRODUCTION_MAIL

ALLOWED = "https://shop.example.test"


def test_api_answers_carry_security_headers_errors_too(client):
    for response in (client.get("/api/v1/regions?parent=500000"), client.get("/api/v1/nowhere")):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS


def test_swagger_ui_may_load_from_this_server_and_nothing_else(client):
    policy = client.get("/api/docs").headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy


def test_what_a_signed_in_caller_reads_is_not_cached(client, make_user):
    _, headers = make_user()
    response = client.get("/api/v1/me", headers=headers)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]
    assert "no-store" not in client.get("/api/v1/regions").headers.get("Cache-Control", "")


def test_cors_preflight_admits_the_configured_origin_only(client):
    def preflight(origin):
        return client.options(
            "/api/v1/orders",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Idempotency-Key, Content-Type",
            },
        )

    allowed = preflight(ALLOWED)
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "idempotency-key" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example").headers
    listing = client.get("/api/v1/products", headers={"Origin": ALLOWED})
    assert "X-Pagination" in listing.headers["Access-Control-Expose-Headers"]


def test_production_takes_secrets_from_the_environment_only(monkeypatch):
    base = {
        "ENV": "production",
        "DATABASE_URL": "postgresql://db/x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        **PRODUCTION_MAIL,
    }
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load("/tmp", {**base, "STRIPE_SECRET_KEY": "sk_live_x", "SECRET_KEY": DEV_SECRET_KEY})
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-" + "x" * 20)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_from_env")
    settings = load("/tmp", base)
    assert settings["SECRET_KEY"].startswith("from-the-environment-")
    assert settings["PAYMENT_GATEWAY"] == "stripe"


# Password changes ---------------------------------------------------------------


def change(client, headers, current, new):
    return client.post(
        "/api/v1/auth/password", json={"current_password": current, "new_password": new}, headers=headers
    )


def test_changing_the_password_revokes_every_earlier_token(client, make_user):
    user, headers = make_user(email="wang@example.test", password="old password 1")
    second_device = client.post(
        "/api/v1/auth/token", json={"email": "wang@example.test", "password": "old password 1"}
    ).json["access_token"]

    r = change(client, headers, "old password 1", "new password 2")

    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second_device}"}).status_code == 401
    fresh = {"Authorization": f"Bearer {r.json['access_token']}"}
    assert client.get("/api/v1/me", headers=fresh).json["user"]["email"] == "wang@example.test"
    old_login = client.post(
        "/api/v1/auth/token", json={"email": "wang@example.test", "password": "old password 1"}
    )
    assert old_login.status_code == 401
    new_login = client.post(
        "/api/v1/auth/token", json={"email": "wang@example.test", "password": "new password 2"}
    )
    assert new_login.status_code == 200


def test_a_wrong_current_password_is_422_naming_it_and_changes_nothing(client, make_user):
    _, headers = make_user(password="old password 1")
    r = change(client, headers, "not my password", "new password 2")
    assert r.status_code == 422
    assert "current_password" in r.json["errors"]["json"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_password_changes_are_throttled(app, client, make_user):
    _, headers = make_user(password="old password 1")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [change(client, headers, f"guess {i}", "new password 2").status_code for i in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [422, 422, 422, 429]


def test_junk_after_the_token_does_not_buy_more_password_guesses(app, client, make_user):
    _, headers = make_user(password="old password 1")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        # From a new address each time: only the per-token limit stands in the way.
        codes = [
            client.post(
                "/api/v1/auth/password",
                json={"current_password": f"guess {i}", "new_password": "new password 2"},
                headers={"Authorization": headers["Authorization"] + "**" * (i // 3)},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            ).status_code
            for i in range(6)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [422, 422, 422, 401, 401, 401]


# The audit log ------------------------------------------------------------------


def test_admin_reads_who_granted_what_and_who_edited_targets(client, make_user):
    admin, admin_headers = make_user(("admin", None))
    officer, _ = make_user()
    client.post(
        f"/api/v1/users/{officer.id}/roles",
        json={"role": "region_officer", "region_code": "500236"},
        headers=admin_headers,
    )
    target = client.post(
        "/api/v1/targets",
        json={
            "name": "奉节脐橙 2026",
            "period_start": "2026-01-01",
            "period_end": "2027-01-01",
            "amount_fen": 100_000_00,
            "buyer_region_code": "370000",
            "origin_region_code": "500236",
        },
        headers=admin_headers,
    )
    assert target.status_code == 201, target.json
    client.patch(
        f"/api/v1/targets/{target.json['id']}", json={"amount_fen": 200_000_00}, headers=admin_headers
    )

    log = client.get(f"/api/v1/audit-events?actor_id={admin.id}", headers=admin_headers)

    assert log.status_code == 200
    assert [(e["subject_type"], e["action"]) for e in log.json] == [
        ("targets", "update"),
        ("targets", "create"),
        ("users", "grant_role"),
    ]
    assert log.json[2]["subject_id"] == officer.id
    assert log.json[2]["details"] == {"role": "region_officer", "region_code": "500236"}
    assert log.json[0]["details"] == {"amount_fen": 200_000_00}
    only_targets = client.get(
        "/api/v1/audit-events?subject_type=targets&action=create", headers=admin_headers
    )
    assert [e["action"] for e in only_targets.json] == ["create"]


def test_only_admins_read_the_audit_log(client, make_user):
    _, officer_headers = make_user(("region_officer", "500236"))
    _, buyer_headers = make_user()
    assert client.get("/api/v1/audit-events", headers=officer_headers).status_code == 403
    assert client.get("/api/v1/audit-events", headers=buyer_headers).status_code == 403
    assert client.get("/api/v1/audit-events").status_code == 401
