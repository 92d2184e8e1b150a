import time

import pytest

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.auth import bearer, login, register


def test_register_then_login_then_me_shows_a_buyer(client):
    r = register(client)
    assert r.status_code == 201
    assert r.json["email"] == "li.hua@example.test" and r.json["roles"] == ["buyer"]
    r = login(client)
    assert r.status_code == 200
    assert r.json["token_type"] == "Bearer" and r.json["expires_in"] == 3600
    me = client.get("/api/v1/me", headers=bearer(r.json["access_token"]))
    assert me.status_code == 200
    assert me.json["user"]["display_name"] == "李华"
    assert me.json["roles"] == ["buyer"]
    assert "password" not in str(me.json) and "password_hash" not in me.json["user"]


def test_register_existing_email_answers_the_same_and_creates_nothing(client):
    first = register(client)
    second = register(client, email="LI.HUA@example.test", password="another pass 2", name="冒名")
    assert second.status_code == first.status_code == 201
    assert second.json == {**first.json, "email": "li.hua@example.test", "display_name": "冒名"}
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
    assert login(client).status_code == 200
    assert login(client, password="another pass 2").status_code == 401


def test_login_wrong_password_and_unknown_email_get_identical_answers(client):
    register(client)
    wrong_password = login(client, password="wrong password")
    unknown_email = login(client, email="nobody@example.test")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json == unknown_email.json
    assert wrong_password.json["message"] == "邮箱或密码错误。"


def test_short_password_is_refused_naming_the_field(client):
    r = register(client, password="short")
    assert r.status_code == 422
    assert "password" in r.json["errors"]["json"]


def test_expired_token_is_refused(client, make_user):
    user, _ = make_user()
    expired = accounts.issue_token(user, now=time.time() - 3601).access_token
    r = client.get("/api/v1/me", headers=bearer(expired))
    assert r.status_code == 401
    assert r.json["code"] == 401 and r.json["message"] == "令牌无效或已过期。"


def test_token_that_has_not_expired_is_accepted(client, make_user):
    user, _ = make_user()
    fresh = accounts.issue_token(user, now=time.time() - 3500).access_token
    assert client.get("/api/v1/me", headers=bearer(fresh)).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "Token abc"],
    ids=["garbage", "basic-scheme", "empty", "other-scheme"],
)
def test_bad_authorization_headers_get_401(client, header):
    r = client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json["status"] == "Unauthorized"


@pytest.mark.parametrize("junk", ["**", "====", "=", "é"])
def test_a_token_with_anything_after_it_is_refused(client, make_user, junk):
    _, headers = make_user()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    r = client.get("/api/v1/me", headers={"Authorization": headers["Authorization"] + junk})
    assert r.status_code == 401
    assert r.json["message"] == "令牌无效或已过期。"


def test_a_token_whose_last_character_differs_only_in_unused_bits_is_refused(client, make_user):
    # base64's last character carries bits the signature does not use: Y and Z decode alike.
    _, headers = make_user()
    token = headers["Authorization"].split()[1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twin = token[:-1] + alphabet[last ^ 1]
    assert client.get("/api/v1/me", headers=bearer(twin)).status_code == 401


def test_tampered_token_is_refused(client, make_user):
    _, headers = make_user()
    token = headers["Authorization"].split()[1]
    payload, sig = token.split(".")
    forged = payload.replace(payload[3], "A" if payload[3] != "A" else "B", 1) + "." + sig
    assert client.get("/api/v1/me", headers=bearer(forged)).status_code == 401


def test_token_signed_with_another_key_is_refused(client, make_user):
    from marketplace.accounts import tokens

    user, _ = make_user()
    foreign = tokens.issue("some other secret", user.id, user.token_version, 3600)
    assert client.get("/api/v1/me", headers=bearer(foreign)).status_code == 401


def test_tokens_die_when_token_version_changes(client, make_user):
    user, headers = make_user()
    user.token_version += 1
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deactivated_user_can_neither_use_a_token_nor_log_in(client, make_user):
    user, headers = make_user(email="gone@example.test")
    user.is_active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert login(client, email="gone@example.test").status_code == 401


def test_me_without_token_is_401(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json["message"] == "需要有效的登录令牌（Bearer token），请先登录。"


# Role limits --------------------------------------------------------------------


def test_buyer_and_officer_cannot_list_users_admin_can(client, make_user):
    _, buyer = make_user()
    _, officer = make_user(("region_officer", "500236"))
    _, admin = make_user(("admin", None))
    assert client.get("/api/v1/users", headers=buyer).status_code == 403
    assert client.get("/api/v1/users", headers=officer).status_code == 403
    r = client.get("/api/v1/users", headers=admin)
    assert r.status_code == 200 and len(r.json) == 3
    r = client.get("/api/v1/users?role=region_officer", headers=admin)
    assert [u["role_grants"][0]["region_code"] for u in r.json] == ["500236"]


def test_admin_grants_and_revokes_an_officer_role(client, make_user):
    target, target_headers = make_user()
    _, admin = make_user(("admin", None))
    r = client.post(
        f"/api/v1/users/{target.id}/roles",
        json={"role": "region_officer", "region_code": "500236"},
        headers=admin,
    )
    assert r.status_code == 200
    me = client.get("/api/v1/me", headers=target_headers).json
    assert me["roles"] == ["buyer", "region_officer"]
    assert me["memberships"] == [{"kind": "region", "role": "region_officer", "region_code": "500236"}]
    r = client.delete(
        f"/api/v1/users/{target.id}/roles?role=region_officer&region_code=500236", headers=admin
    )
    assert r.status_code == 200 and r.json["role_grants"] == []


def test_granting_twice_keeps_one_grant(client, make_user):
    target, _ = make_user()
    _, admin = make_user(("admin", None))
    for _ in range(2):
        client.post(f"/api/v1/users/{target.id}/roles", json={"role": "admin"}, headers=admin)
    assert len(client.get(f"/api/v1/users/{target.id}", headers=admin).json["role_grants"]) == 1


def test_officer_grant_without_region_names_the_field(client, make_user):
    target, _ = make_user()
    _, admin = make_user(("admin", None))
    r = client.post(f"/api/v1/users/{target.id}/roles", json={"role": "region_officer"}, headers=admin)
    assert r.status_code == 422
    assert "region_code" in r.json["errors"]["json"]
    r = client.post(
        f"/api/v1/users/{target.id}/roles",
        json={"role": "region_officer", "region_code": "999999"},
        headers=admin,
    )
    assert r.status_code == 422 and "region_code" in r.json["errors"]["json"]
    assert client.get(f"/api/v1/users/{target.id}", headers=admin).json["role_grants"] == []


def test_non_admin_cannot_grant_roles_even_to_themselves(client, make_user):
    officer, officer_headers = make_user(("region_officer", "500000"))
    r = client.post(f"/api/v1/users/{officer.id}/roles", json={"role": "admin"}, headers=officer_headers)
    assert r.status_code == 403
    assert not db.session.get(User, officer.id).is_admin


def test_the_last_admin_cannot_be_revoked(client, make_user):
    admin, admin_headers = make_user(("admin", None))
    r = client.delete(f"/api/v1/users/{admin.id}/roles?role=admin", headers=admin_headers)
    assert r.status_code == 409
    assert client.get("/api/v1/me", headers=admin_headers).json["roles"] == ["buyer", "admin"]


def test_unknown_user_is_404_for_admin(client, make_user):
    _, admin = make_user(("admin", None))
    assert client.get("/api/v1/users/999999", headers=admin).status_code == 404


def test_create_admin_command_creates_then_promotes(app, make_user):
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["users", "create-admin", "--email", "root@example.test", "--password", "a long root pass"]
    )
    assert r.exit_code == 0, r.output
    assert "已创建 root@example.test" in r.output
    existing, _ = make_user(email="promote@example.test")
    r = runner.invoke(
        args=["users", "create-admin", "--email", "promote@example.test", "--password", "another long pass"]
    )
    assert "已授予 promote@example.test" in r.output
    assert db.session.get(User, existing.id).is_admin
