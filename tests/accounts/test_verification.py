"""Email verification, password reset by mail, and what an unverified account can never receive."""

from marketplace.accounts.models import SignInAddress, User
from marketplace.extensions import db
from tests.auth import bearer, login, register

VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/verify-email/resend"
RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"


def signed_in(client, email="li.hua@example.test", password="correct horse 1"):
    r = login(client, email=email, password=password)
    assert r.status_code == 200, r.json
    return bearer(r.json["access_token"])


def test_registration_mails_a_link_that_verifies_only_when_signed_in_as_the_account(client, mailbox):
    assert register(client).status_code == 201
    headers = signed_in(client)  # unverified accounts sign in
    assert client.get("/api/v1/me", headers=headers).json["user"]["email_verified"] is False
    [message] = mailbox.messages("li.hua@example.test")
    assert message["Subject"] == "请验证您的邮箱"
    token = mailbox.last_token("li.hua@example.test", "/verify-email")

    # The owner of the mailbox clicking a link a stranger's registration sent them verifies nothing.
    assert client.post(VERIFY, json={"token": token}).status_code == 401
    register(client, email="other@example.test")
    r = client.post(VERIFY, json={"token": token}, headers=signed_in(client, "other@example.test"))
    assert r.status_code == 422 and "token" in r.json["errors"]["json"]

    r = client.post(VERIFY, json={"token": token}, headers=headers)
    assert r.status_code == 200 and r.json["email_verified"] is True
    assert client.get("/api/v1/me", headers=headers).json["user"]["email_verified"] is True
    assert client.post(RESEND, headers=headers).status_code == 409


def test_forged_or_expired_verification_link_is_refused_naming_the_field(app, client, mailbox):
    register(client)
    headers = signed_in(client)
    token = mailbox.last_token("li.hua@example.test", "/verify-email")
    r = client.post(VERIFY, json={"token": token[:-2] + "xx"}, headers=headers)
    assert r.status_code == 422 and "token" in r.json["errors"]["json"]
    app.config["EMAIL_VERIFICATION_TTL_SECONDS"] = -1
    try:
        r = client.post(VERIFY, json={"token": token}, headers=headers)
    finally:
        app.config["EMAIL_VERIFICATION_TTL_SECONDS"] = 2 * 24 * 3600
    assert r.status_code == 422 and "链接无效或已过期" in r.json["message"]
    assert client.post(RESEND, headers=headers).status_code == 202
    fresh = mailbox.last_token("li.hua@example.test", "/verify-email")
    assert client.post(VERIFY, json={"token": fresh}, headers=headers).status_code == 200


def test_registering_a_taken_address_mails_its_owner_who_takes_the_account_back(client, mailbox):
    """A squatter registered the address first: the owner's registration is answered as usual, and
    the mail it sends lets the owner set a password, which verifies the address and ends the
    squatter's sessions."""
    first = register(client, email="zhang.wei@sdny.gov.test", password="squatter pass 1", name="张伟")
    squatter = signed_in(client, "zhang.wei@sdny.gov.test", "squatter pass 1")
    first_mail = len(mailbox.messages("zhang.wei@sdny.gov.test"))

    again = register(client, email="zhang.wei@sdny.gov.test", password="owner pass 12", name="张伟")
    assert (again.status_code, again.json) == (201, first.json)
    assert len(mailbox.messages("zhang.wei@sdny.gov.test")) == first_mail + 1
    token = mailbox.last_token("zhang.wei@sdny.gov.test", "/reset-password")

    r = client.post(CONFIRM, json={"token": token, "new_password": "owner pass 12"})
    assert r.status_code == 200
    owner = bearer(r.json["access_token"])
    assert client.get("/api/v1/me", headers=owner).json["user"]["email_verified"] is True
    assert client.get("/api/v1/me", headers=squatter).status_code == 401
    assert login(client, email="zhang.wei@sdny.gov.test", password="squatter pass 1").status_code == 401


def test_password_reset_answers_alike_for_any_address_and_mails_only_an_account(client, make_user, mailbox):
    make_user(email="known@example.test")
    before = len(mailbox.messages())
    known = client.post(RESET, json={"email": "Known@Example.test"})
    unknown = client.post(RESET, json={"email": "unknown@example.test"})
    assert (known.status_code, known.json) == (unknown.status_code, unknown.json) == (202, known.json)
    assert [m["To"] for m in mailbox.messages()[before:]] == ["known@example.test"]
    r = client.post(RESET, json={"email": "not an address"})
    assert r.status_code == 422 and "email" in r.json["errors"]["json"]


def test_reset_link_works_once_and_dies_with_any_password_change(client, make_user, mailbox):
    make_user(email="wang@example.test", password="old password 1")
    client.post(RESET, json={"email": "wang@example.test"})
    token = mailbox.last_token("wang@example.test", "/reset-password")
    assert client.post(CONFIRM, json={"token": token, "new_password": "new password 2"}).status_code == 200
    r = client.post(CONFIRM, json={"token": token, "new_password": "new password 3"})
    assert r.status_code == 422 and "token" in r.json["errors"]["json"]
    assert login(client, email="wang@example.test", password="new password 2").status_code == 200

    client.post(RESET, json={"email": "wang@example.test"})
    token = mailbox.last_token("wang@example.test", "/reset-password")
    headers = signed_in(client, "wang@example.test", "new password 2")
    change = {"current_password": "new password 2", "new_password": "changed password 4"}
    assert client.post("/api/v1/auth/password", json=change, headers=headers).status_code == 200
    r = client.post(CONFIRM, json={"token": token, "new_password": "hijacked password"})
    assert r.status_code == 422
    assert login(client, email="wang@example.test", password="changed password 4").status_code == 200


def test_reset_requests_are_throttled_per_address_asked_for_from_any_client(app, client, make_user, mailbox):
    make_user(email="target@example.test")
    app.config["MAIL_RATE_LIMIT"] = "2 per hour"
    try:
        codes = [
            client.post(
                RESET, json={"email": "target@example.test"}, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}
            ).status_code
            for i in range(3)
        ]
        unknown = [
            client.post(
                RESET, json={"email": "ghost@example.test"}, environ_base={"REMOTE_ADDR": f"10.0.1.{i}"}
            ).status_code
            for i in range(3)
        ]
    finally:
        app.config["MAIL_RATE_LIMIT"] = "5 per hour"
    assert codes == unknown == [202, 202, 429]  # the throttle says nothing about the address either
    assert len(mailbox.messages("target@example.test")) == 2 + 1  # and the registration's


def test_resending_the_verification_is_throttled_per_account(app, client, make_user):
    _, headers = make_user(verified=False)
    app.config["MAIL_RATE_LIMIT"] = "2 per hour"
    try:
        codes = [
            client.post(RESEND, headers=headers, environ_base={"REMOTE_ADDR": f"10.0.2.{i}"}).status_code
            for i in range(3)
        ]
    finally:
        app.config["MAIL_RATE_LIMIT"] = "5 per hour"
    assert codes == [202, 202, 429]


def test_admin_cannot_grant_a_role_to_an_account_that_never_verified_its_address(client, make_user):
    _, admin = make_user(("admin", None))
    squatter, squatter_headers = make_user(email="zhang.wei@sdny.gov.test", verified=False)
    url = f"/api/v1/users/{squatter.id}/roles"
    r = client.post(url, json={"role": "region_officer", "region_code": "500236"}, headers=admin)
    assert r.status_code == 409 and r.json["error_code"] == "email_not_verified"
    assert client.get("/api/v1/me", headers=squatter_headers).json["roles"] == ["buyer"]
    verified, _ = make_user(email="li.si@sdny.gov.test")
    r = client.post(
        f"/api/v1/users/{verified.id}/roles",
        json={"role": "region_officer", "region_code": "500236"},
        headers=admin,
    )
    assert r.status_code == 200


def test_create_admin_refuses_an_unverified_account_and_exits_non_zero(app, client, make_user):
    squatter, _ = make_user(email="ops@prod.test", password="squatter pass 1", verified=False)
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["users", "create-admin", "--email", "ops@prod.test", "--password", "operator pass"]
    )
    assert r.exit_code == 1
    assert "从未验证邮箱" in r.output
    db.session.expire_all()
    assert not db.session.get(User, squatter.id).is_admin
    assert login(client, email="ops@prod.test", password="squatter pass 1").status_code == 200


def test_create_admin_creates_a_verified_admin_or_promotes_a_verified_user_keeping_their_password(
    app, client, make_user
):
    runner = app.test_cli_runner()
    r = runner.invoke(
        args=["users", "create-admin", "--email", "root@prod.test", "--password", "operator pass"]
    )
    assert r.exit_code == 0, r.output
    me = client.get("/api/v1/me", headers=signed_in(client, "root@prod.test", "operator pass")).json
    assert me["roles"] == ["buyer", "admin"] and me["user"]["email_verified"] is True

    make_user(email="lead@prod.test", password="their own pass")
    r = runner.invoke(
        args=["users", "create-admin", "--email", "lead@prod.test", "--password", "ignored pass"]
    )
    assert r.exit_code == 0 and "其密码不变" in r.output
    assert login(client, email="lead@prod.test", password="their own pass").status_code == 200


def test_a_reset_forgets_the_addresses_the_account_was_signed_in_from(client, make_user, mailbox):
    user, _ = make_user(email="li@example.test", password="old password 1")
    squatter = {"REMOTE_ADDR": "203.0.113.9"}
    signed_in = login(client, email="li@example.test", password="old password 1", environ_base=squatter)
    assert signed_in.status_code == 200
    known = db.select(db.func.count()).select_from(SignInAddress).where(SignInAddress.user_id == user.id)
    assert db.session.scalar(known) == 1

    client.post(RESET, json={"email": "li@example.test"})
    token = mailbox.last_token("li@example.test", "/reset-password")
    assert client.post(CONFIRM, json={"token": token, "new_password": "taken back 2 owls"}).status_code == 200
    assert db.session.scalar(known) == 0
