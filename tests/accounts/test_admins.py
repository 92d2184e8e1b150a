"""Admins deactivate and reactivate accounts; there is always an active admin left."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from marketplace.accounts.models import User
from marketplace.extensions import db

LOGIN = "/api/v1/auth/token"


def deactivate(client, headers, user_id, reason="离职"):
    return client.post(f"/api/v1/users/{user_id}/deactivate", json={"reason": reason}, headers=headers)


def revoke_admin(client, headers, user_id):
    return client.delete(f"/api/v1/users/{user_id}/roles?role=admin", headers=headers)


def test_a_deactivated_users_tokens_die_at_once_and_they_cannot_sign_in(client, make_user):
    user, headers = make_user(email="leaving@example.test")
    _, admin = make_user(("admin", None))
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    r = deactivate(client, admin, user.id)

    assert r.status_code == 200 and r.json["is_active"] is False
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login = client.post(LOGIN, json={"email": "leaving@example.test", "password": "correct horse 1"})
    assert login.status_code == 401


def test_reactivation_lets_them_sign_in_but_their_old_tokens_stay_dead(client, make_user):
    user, headers = make_user(email="back@example.test")
    _, admin = make_user(("admin", None))
    deactivate(client, admin, user.id)

    r = client.post(f"/api/v1/users/{user.id}/reactivate", json={}, headers=admin)

    assert r.status_code == 200 and r.json["is_active"] is True
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login = client.post(LOGIN, json={"email": "back@example.test", "password": "correct horse 1"})
    assert login.status_code == 200


def test_deactivation_and_reactivation_are_in_the_audit_log(client, make_user):
    user, _ = make_user()
    admin, admin_headers = make_user(("admin", None))
    deactivate(client, admin_headers, user.id, reason="账号被盗")
    client.post(f"/api/v1/users/{user.id}/reactivate", json={"reason": "已找回"}, headers=admin_headers)

    log = client.get(f"/api/v1/audit-events?subject_type=users&subject_id={user.id}", headers=admin_headers)

    assert [(e["action"], e["actor_id"], e["reason"]) for e in log.json] == [
        ("reactivate", admin.id, "已找回"),
        ("deactivate", admin.id, "账号被盗"),
    ]


def test_deactivation_needs_a_reason(client, make_user):
    user, _ = make_user()
    _, admin = make_user(("admin", None))
    r = client.post(f"/api/v1/users/{user.id}/deactivate", json={}, headers=admin)
    assert r.status_code == 422 and "reason" in r.json["errors"]["json"]
    assert db.session.get(User, user.id).is_active


def test_only_admins_deactivate(client, make_user):
    user, _ = make_user()
    _, officer = make_user(("region_officer", "500236"))
    assert deactivate(client, officer, user.id).status_code == 403
    assert db.session.get(User, user.id).is_active


# The last active admin ---------------------------------------------------------------


def test_the_last_active_admin_cannot_deactivate_themselves(client, make_user):
    admin, headers = make_user(("admin", None))
    r = deactivate(client, headers, admin.id)
    assert r.status_code == 409
    assert r.json["error_code"] == "last_admin"
    assert r.json["message"] == "不能停用最后一位在用的管理员：请先将其他用户设为管理员。"
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_an_admin_is_deactivated_while_another_remains(client, make_user):
    first, first_headers = make_user(("admin", None))
    second, second_headers = make_user(("admin", None))
    assert deactivate(client, first_headers, second.id).status_code == 200
    assert deactivate(client, first_headers, first.id).status_code == 409


def test_a_deactivated_admin_does_not_count_as_the_admin_left(client, make_user):
    first, first_headers = make_user(("admin", None))
    second, _ = make_user(("admin", None))
    assert deactivate(client, first_headers, second.id).status_code == 200

    r = revoke_admin(client, first_headers, first.id)

    assert r.status_code == 409 and r.json["error_code"] == "last_admin"
    assert client.get("/api/v1/me", headers=first_headers).json["roles"] == ["buyer", "admin"]


def test_admin_is_revoked_from_a_deactivated_admin(client, make_user):
    first, first_headers = make_user(("admin", None))
    second, _ = make_user(("admin", None))
    deactivate(client, first_headers, second.id)
    assert revoke_admin(client, first_headers, second.id).status_code == 200


@pytest.mark.postgres
@pytest.mark.parametrize("action", ["revoke", "deactivate"])
def test_two_admins_removing_each_other_at_once_leave_one(app, make_user, action):
    """Each request counts the other admins and then waits (up to a second) for the other request
    to have counted too: without a lock both see two admins and both go ahead."""
    first, first_headers = make_user(("admin", None))
    second, second_headers = make_user(("admin", None))
    counted = threading.Barrier(2, timeout=1)

    def after_counting_admins(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT COUNT") and "role_grants" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):
                counted.wait()

    def remove(pair):
        headers, target = pair
        client = app.test_client()
        if action == "revoke":
            return revoke_admin(client, headers, target).status_code
        return deactivate(client, headers, target).status_code

    event.listen(db.engine, "after_cursor_execute", after_counting_admins)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = list(pool.map(remove, [(first_headers, second.id), (second_headers, first.id)]))
    finally:
        event.remove(db.engine, "after_cursor_execute", after_counting_admins)

    assert sorted(codes) == [200, 409]
    db.session.expire_all()
    admins = [u for u in (db.session.get(User, first.id), db.session.get(User, second.id)) if u.is_admin]
    assert len([u for u in admins if u.is_active]) == 1
