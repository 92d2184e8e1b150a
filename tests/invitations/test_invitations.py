"""Roles granted by email reach the verified owner of the address, through an invitation they
accept; the inviter learns nothing about whether the address has an account."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from marketplace.agencies.models import Agency, AgencyMember
from marketplace.extensions import db
from marketplace.invitations.models import Invitation
from marketplace.suppliers.models import SupplierMember
from marketplace.timeutil import now
from tests.auth import bearer, invite_to_agency, login, register
from tests.factories import SupplierFactory, valid_uscc

VARYING = ("id", "email", "created_at", "expires_at")


@pytest.fixture
def agency(app):
    agency = Agency(
        name="山东省农业农村厅", kind="government", uscc=valid_uscc(division="370000"), region_code="370000"
    )
    db.session.add(agency)
    db.session.commit()
    return agency


def roles(client, headers):
    return client.get("/api/v1/me", headers=headers).json["roles"]


def test_a_squatter_of_the_invited_address_never_becomes_approver_its_owner_does(
    client, make_user, mailbox, agency
):
    """The review's case: zhang.wei@ is registered by a stranger before the admin invites it."""
    register(client, email="zhang.wei@sdny.gov.test", password="squatter pass 1", name="张伟")
    squatter = bearer(
        login(client, email="zhang.wei@sdny.gov.test", password="squatter pass 1").json["access_token"]
    )
    _, admin = make_user(("admin", None))

    r = invite_to_agency(client, admin, agency, "Zhang.Wei@sdny.gov.test")
    assert (
        r.status_code == 202
        and r.json["status"] == "pending"
        and r.json["email"] == "zhang.wei@sdny.gov.test"
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(AgencyMember)) == 0
    invitation_mail = mailbox.messages("zhang.wei@sdny.gov.test")[-1]
    assert (
        agency.name in invitation_mail["Subject"]
        and f"/invitations/{r.json['id']}" in invitation_mail.get_content()
    )

    accept = client.post(f"/api/v1/invitations/{r.json['id']}/accept", headers=squatter)
    assert accept.status_code == 403 and accept.json["error_code"] == "email_not_verified"
    assert client.get("/api/v1/me/invitations", headers=squatter).status_code == 403
    assert "agency_approver" not in roles(client, squatter)

    # The owner registers, is mailed a reset link instead, sets a password: verified, and it is theirs.
    register(client, email="zhang.wei@sdny.gov.test", password="owner pass 12", name="张伟")
    token = mailbox.last_token("zhang.wei@sdny.gov.test", "/reset-password")
    reset = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "owner pass 12"}
    )
    owner = bearer(reset.json["access_token"])
    [pending] = client.get("/api/v1/me/invitations", headers=owner).json
    assert (pending["id"], pending["agency_id"], pending["role"]) == (r.json["id"], agency.id, "approver")
    accepted = client.post(f"/api/v1/invitations/{r.json['id']}/accept", headers=owner)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert "agency_approver" in roles(client, owner)
    assert client.get("/api/v1/me", headers=squatter).status_code == 401
    assert client.get("/api/v1/me/invitations", headers=owner).json == []


def test_supplier_invitation_answers_alike_whether_or_not_the_address_has_an_account(
    client, make_user, mailbox
):
    member, member_headers = make_user()
    registered, _ = make_user(email="registered@example.test")
    supplier = SupplierFactory(members=[member])
    url = f"/api/v1/suppliers/{supplier.id}/members"
    known = client.post(url, json={"email": "registered@example.test"}, headers=member_headers)
    unknown = client.post(url, json={"email": "nobody@example.test"}, headers=member_headers)
    assert known.status_code == unknown.status_code == 202
    assert {k: v for k, v in known.json.items() if k not in VARYING} == {
        k: v for k, v in unknown.json.items() if k not in VARYING
    }
    assert set(dict(known.headers)) == set(dict(unknown.headers))
    # Nobody was added: the registered account has to accept.
    assert db.session.get(type(supplier), supplier.id).member_user_ids == {member.id}
    assert mailbox.messages("nobody@example.test") and mailbox.messages("registered@example.test")
    too_long = client.post(url, json={"email": "a" * 64 + "@" + "b" * 200 + ".test"}, headers=member_headers)
    assert too_long.status_code == 422 and "email" in too_long.json["errors"]["json"]


def test_only_the_addressee_may_accept_and_only_once(client, make_user, agency):
    _, admin = make_user(("admin", None))
    _, invitee = make_user(email="invitee@example.test")
    _, someone_else = make_user(email="someone@example.test")
    invitation = invite_to_agency(client, admin, agency, "invitee@example.test", role="purchaser").json
    url = f"/api/v1/invitations/{invitation['id']}/accept"
    assert client.post(url, headers=someone_else).status_code == 404
    assert client.post(url, headers=admin).status_code == 404
    assert client.post(url, headers=invitee).status_code == 200
    again = client.post(url, headers=invitee)
    assert again.status_code == 409 and again.json["message"] == "该邀请已被接受。"
    assert roles(client, invitee).count("agency_purchaser") == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(AgencyMember)) == 1


@pytest.mark.postgres
def test_parallel_acceptances_grant_the_membership_once(app, client, make_user):
    member, member_headers = make_user()
    _, invitee = make_user(email="invitee@example.test")
    supplier = SupplierFactory(members=[member])
    invitation = client.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={"email": "invitee@example.test"},
        headers=member_headers,
    ).json
    start = threading.Barrier(8)

    def accept(_):
        own = app.test_client()
        start.wait()
        return own.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=invitee).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(accept, range(8)))
    assert sorted(codes) == [200] + [409] * 7
    rows = db.session.scalar(
        db.select(db.func.count())
        .select_from(SupplierMember)
        .where(SupplierMember.supplier_id == supplier.id)
    )
    assert rows == 2


def test_an_expired_invitation_cannot_be_accepted_and_is_listed_as_expired(client, make_user, agency):
    _, admin = make_user(("admin", None))
    _, invitee = make_user(email="invitee@example.test")
    invitation = invite_to_agency(client, admin, agency, "invitee@example.test").json
    row = db.session.get(Invitation, invitation["id"])
    row.expires_at = now() - timedelta(minutes=1)
    db.session.commit()
    r = client.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=invitee)
    assert r.status_code == 409 and r.json["message"] == "该邀请已过期。"
    assert client.get("/api/v1/me/invitations", headers=invitee).json == []
    listed = client.get(f"/api/v1/agencies/{agency.id}/invitations?status=expired", headers=admin).json
    assert [(i["id"], i["status"]) for i in listed] == [(invitation["id"], "expired")]
    assert client.get(f"/api/v1/agencies/{agency.id}/invitations?status=pending", headers=admin).json == []
    # Inviting again renews the same invitation, and a fresh mail goes.
    renewed = invite_to_agency(client, admin, agency, "invitee@example.test").json
    assert (renewed["id"], renewed["status"]) == (invitation["id"], "pending")
    assert client.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=invitee).status_code == 200


def test_a_revoked_invitation_cannot_be_accepted_and_its_unsent_mail_is_skipped(client, make_user, mailbox):
    member, member_headers = make_user()
    _, invitee = make_user(email="invitee@example.test")
    supplier = SupplierFactory(members=[member])
    invitation = client.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={"email": "invitee@example.test"},
        headers=member_headers,
    ).json
    url = f"/api/v1/suppliers/{supplier.id}/invitations/{invitation['id']}"
    r = client.delete(url, headers=member_headers)
    assert r.status_code == 200 and r.json["status"] == "revoked"
    assert client.delete(url, headers=member_headers).status_code == 409
    assert client.post(f"/api/v1/invitations/{invitation['id']}/accept", headers=invitee).status_code == 409
    assert db.session.get(type(supplier), supplier.id).member_user_ids == {member.id}
    listed = client.get(f"/api/v1/suppliers/{supplier.id}/invitations", headers=member_headers).json
    assert [i["status"] for i in listed] == ["revoked"]

    from marketplace import mail
    from marketplace.invitations.mails import INVITATION

    assert mail.deliver(INVITATION, {"invitation_id": invitation["id"]}) == "skipped"


def test_invitations_are_throttled_per_inviter(app, client, make_user):
    member, member_headers = make_user()
    supplier = SupplierFactory(members=[member])
    app.config["INVITE_RATE_LIMIT"] = "2 per hour"
    try:
        codes = [
            client.post(
                f"/api/v1/suppliers/{supplier.id}/members",
                json={"email": f"probe{i}@example.test"},
                headers=member_headers,
                environ_base={"REMOTE_ADDR": f"10.0.3.{i}"},
            ).status_code
            for i in range(3)
        ]
    finally:
        app.config["INVITE_RATE_LIMIT"] = "60 per hour"
    assert codes == [202, 202, 429]


def test_a_fresh_token_for_each_invitation_buys_no_more_of_them(app, client, make_user):
    from marketplace.accounts import services as accounts

    member, _ = make_user()
    supplier = SupplierFactory(members=[member])
    app.config["INVITE_RATE_LIMIT"] = "2 per hour"
    try:
        codes = []
        for i in range(3):
            # Issued a second apart, as sign-ins a second apart are: three different tokens.
            token = accounts.issue_token(member, now=time.time() + i).access_token
            codes.append(
                client.post(
                    f"/api/v1/suppliers/{supplier.id}/members",
                    json={"email": f"probe{i}@example.test"},
                    headers={"Authorization": f"Bearer {token}"},
                ).status_code
            )
    finally:
        app.config["INVITE_RATE_LIMIT"] = "60 per hour"
    assert codes == [202, 202, 429]


def test_an_inviter_who_never_verified_their_own_address_mails_no_stranger(client, make_user, mailbox):
    member, member_headers = make_user(verified=False)
    supplier = SupplierFactory(members=[member])
    before = len(mailbox.messages())
    r = client.post(
        f"/api/v1/suppliers/{supplier.id}/members",
        json={"email": "someone@example.test"},
        headers=member_headers,
    )
    assert r.status_code == 403 and r.json["error_code"] == "email_not_verified"
    assert len(mailbox.messages()) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0
