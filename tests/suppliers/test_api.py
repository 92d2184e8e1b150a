import pytest

from marketplace.extensions import db
from marketplace.suppliers.models import Supplier
from tests.factories import SupplierFactory, valid_uscc


def registration(**overrides):
    body = {
        "name": "奉节县脐橙专业合作社",
        "kind": "cooperative",
        "uscc": valid_uscc(),
        "region_code": "500236",
        "linkage_modes": ["guaranteed_price_buying", "wages"],
        "households_linked": 312,
        "contact_name": "刘强",
        "contact_phone": "13912345678",
    }
    return {**body, **overrides}


def supplier_count():
    return db.session.scalar(db.select(db.func.count()).select_from(Supplier))


def test_registration_makes_a_pending_supplier_and_its_registrant_a_member(client, make_user):
    user, headers = make_user()
    r = client.post("/api/v1/suppliers", json=registration(), headers=headers)
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending" and r.json["region_code"] == "500236"
    me = client.get("/api/v1/me", headers=headers).json
    assert {"kind": "supplier", "role": "member", "supplier_id": r.json["id"]} in me["memberships"]
    assert "supplier_member" in me["roles"]


@pytest.mark.parametrize(
    ("uscc", "why"),
    [
        ("9350023612345678", "须为 18 位"),
        ("93500236MA5U7R1FIB", "代码字符集以外的字符：I"),
        ("91350100M000100Y44", "校验码（第 18 位）不符"),
    ],
)
def test_bad_credit_codes_get_422_naming_uscc(client, make_user, uscc, why):
    _, headers = make_user()
    r = client.post("/api/v1/suppliers", json=registration(uscc=uscc), headers=headers)
    assert r.status_code == 422
    assert why in r.json["errors"]["json"]["uscc"][0]
    assert supplier_count() == 0


def test_duplicate_credit_code_is_409(client, make_user):
    _, headers = make_user()
    code = valid_uscc()
    assert client.post("/api/v1/suppliers", json=registration(uscc=code), headers=headers).status_code == 201
    r = client.post("/api/v1/suppliers", json=registration(uscc=code), headers=headers)
    assert r.status_code == 409 and "uscc" in r.json["errors"]["json"]


@pytest.mark.parametrize(
    ("region", "why"),
    [("371602", "不在帮扶地区内"), ("500000", "区县"), ("999999", "999999")],
    ids=["binzhou-helper", "whole-municipality", "unknown"],
)
def test_home_county_must_be_an_assisted_county(client, make_user, region, why):
    _, headers = make_user()
    r = client.post("/api/v1/suppliers", json=registration(region_code=region), headers=headers)
    assert r.status_code == 422
    assert why in r.json["errors"]["json"]["region_code"][0]


def test_anonymous_registration_is_401(client):
    assert client.post("/api/v1/suppliers", json=registration()).status_code == 401


def test_county_officer_approves_and_history_records_it(client, make_user):
    member, member_headers = make_user()
    officer, officer_headers = make_user(("region_officer", "500236"))
    supplier = SupplierFactory(status="pending", members=[member])
    r = client.post(
        f"/api/v1/suppliers/{supplier.id}/verify", json={"decision": "approve"}, headers=officer_headers
    )
    assert r.status_code == 200 and r.json["status"] == "verified" and r.json["verified_at"]
    history = client.get(f"/api/v1/suppliers/{supplier.id}/history", headers=member_headers).json
    assert [(e["action"], e["from_status"], e["to_status"], e["actor_id"]) for e in history] == [
        ("approve", "pending", "verified", officer.id)
    ]


def test_officer_of_another_county_cannot_review(client, make_user):
    _, wuxi_officer = make_user(("region_officer", "500238"))
    supplier = SupplierFactory(status="pending", region_code="500236")
    r = client.post(
        f"/api/v1/suppliers/{supplier.id}/verify", json={"decision": "approve"}, headers=wuxi_officer
    )
    assert r.status_code == 404  # a pending supplier outside their region is not theirs to see
    assert db.session.get(Supplier, supplier.id).status == "pending"
    verified = SupplierFactory(status="verified", region_code="500236")
    r = client.post(
        f"/api/v1/suppliers/{verified.id}/suspend", json={"reason": "价格虚高"}, headers=wuxi_officer
    )
    assert r.status_code == 403


def test_municipal_officer_reviews_counties_below(client, make_user):
    _, chongqing_officer = make_user(("region_officer", "500000"))
    supplier = SupplierFactory(status="pending", region_code="500236")
    r = client.post(
        f"/api/v1/suppliers/{supplier.id}/verify", json={"decision": "approve"}, headers=chongqing_officer
    )
    assert r.status_code == 200


def test_rejection_needs_a_comment_then_resubmission_returns_to_pending(client, make_user):
    member, member_headers = make_user()
    _, officer = make_user(("region_officer", "500236"))
    supplier = SupplierFactory(status="pending", members=[member])
    url = f"/api/v1/suppliers/{supplier.id}"
    r = client.post(url + "/verify", json={"decision": "reject"}, headers=officer)
    assert r.status_code == 422 and "comment" in r.json["errors"]["json"]
    r = client.post(
        url + "/verify", json={"decision": "reject", "comment": "营业执照不清晰"}, headers=officer
    )
    assert r.json["status"] == "rejected" and r.json["status_reason"] == "营业执照不清晰"
    assert client.post(url + "/resubmit", json={}, headers=officer).status_code == 403
    assert client.post(url + "/resubmit", json={}, headers=member_headers).json["status"] == "pending"


# (action, from status, allowed)
TRANSITIONS = [
    ("verify", "pending", True),
    ("verify", "verified", False),
    ("verify", "rejected", False),
    ("verify", "suspended", False),
    ("verify", "blacklisted", False),
    ("suspend", "verified", True),
    ("suspend", "pending", False),
    ("suspend", "suspended", False),
    ("suspend", "blacklisted", False),
    ("reinstate", "suspended", True),
    ("reinstate", "verified", False),
    ("reinstate", "blacklisted", False),
    ("blacklist", "pending", True),
    ("blacklist", "verified", True),
    ("blacklist", "suspended", True),
    ("blacklist", "rejected", True),
    ("blacklist", "blacklisted", False),
]
EXPECTED = {"verify": "verified", "suspend": "suspended", "reinstate": "verified", "blacklist": "blacklisted"}


@pytest.mark.parametrize(("action", "start", "allowed"), TRANSITIONS)
def test_each_transition_legal_or_409(client, make_user, action, start, allowed):
    _, admin = make_user(("admin", None))
    supplier = SupplierFactory(status=start)
    body = {"decision": "approve"} if action == "verify" else {"reason": "价格远高于市场均价"}
    r = client.post(f"/api/v1/suppliers/{supplier.id}/{action}", json=body, headers=admin)
    if allowed:
        assert r.status_code == 200, r.json
        assert r.json["status"] == EXPECTED[action]
    else:
        assert r.status_code == 409, r.json
        assert db.session.get(Supplier, supplier.id).status == start


def test_suspension_and_blacklisting_need_a_reason(client, make_user):
    _, admin = make_user(("admin", None))
    supplier = SupplierFactory()
    r = client.post(f"/api/v1/suppliers/{supplier.id}/suspend", json={}, headers=admin)
    assert r.status_code == 422 and "reason" in r.json["errors"]["json"]


def test_visibility_public_sees_verified_members_and_officers_see_theirs(client, make_user):
    member, member_headers = make_user()
    _, officer = make_user(("region_officer", "500236"))
    _, other_officer = make_user(("region_officer", "530627"))
    verified = SupplierFactory(status="verified")
    pending = SupplierFactory(status="pending", members=[member])
    SupplierFactory(status="pending", region_code="500238")

    def ids(headers=None, query=""):
        return {s["id"] for s in client.get("/api/v1/suppliers" + query, headers=headers or {}).json}

    assert ids() == {verified.id}
    assert ids(member_headers) == {verified.id, pending.id}
    assert ids(officer) == {verified.id, pending.id}
    assert ids(other_officer) == {verified.id}
    assert client.get(f"/api/v1/suppliers/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/suppliers/{pending.id}", headers=member_headers).status_code == 200
    assert client.get(f"/api/v1/suppliers/{pending.id}/history", headers=other_officer).status_code == 404


def test_members_invite_by_email_and_the_invitee_accepts_others_cannot(client, make_user, mailbox):
    member, member_headers = make_user()
    colleague, colleague_headers = make_user(email="colleague@example.test")
    _, stranger = make_user()
    supplier = SupplierFactory(members=[member])
    url = f"/api/v1/suppliers/{supplier.id}/members"
    assert client.post(url, json={"email": "colleague@example.test"}, headers=stranger).status_code == 403
    r = client.post(url, json={"email": "colleague@example.test"}, headers=member_headers)
    assert r.status_code == 202 and r.json["status"] == "pending"
    assert colleague.id not in db.session.get(Supplier, supplier.id).member_user_ids
    assert supplier.name in mailbox.messages("colleague@example.test")[-1]["Subject"]
    accepted = client.post(f"/api/v1/invitations/{r.json['id']}/accept", headers=colleague_headers)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert colleague.id in db.session.get(Supplier, supplier.id).member_user_ids


def test_filters_by_region_and_kind(client):
    SupplierFactory(region_code="500236", kind="cooperative")
    SupplierFactory(region_code="530627", kind="enterprise")
    rows = client.get("/api/v1/suppliers?region=530600").json
    assert [s["region_code"] for s in rows] == ["530627"]
    rows = client.get("/api/v1/suppliers?kind=cooperative").json
    assert [s["region_code"] for s in rows] == ["500236"]


def test_a_bad_credit_code_is_explained_in_chinese_by_default_and_in_english_on_request(client, make_user):
    _, headers = make_user()
    body = registration(uscc="9350023612345678")
    chinese = client.post("/api/v1/suppliers", json=body, headers=headers)
    assert chinese.status_code == 422
    assert chinese.json["errors"]["json"]["uscc"] == ["须为 18 位，而不是 16 位。"]
    assert chinese.json["message"] == "uscc 有误：须为 18 位，而不是 16 位。"
    english = client.post("/api/v1/suppliers", json=body, headers={**headers, "Accept-Language": "en"})
    assert english.json["errors"]["json"]["uscc"] == ["Must be 18 characters, not 16."]
    assert english.json["error_code"] == chinese.json["error_code"] == "invalid_field"


def test_a_wrong_step_names_the_status_and_action_in_chinese_and_in_english_on_request(client, make_user):
    _, admin = make_user(("admin", None))
    supplier = SupplierFactory(status="pending")
    path, body = f"/api/v1/suppliers/{supplier.id}/suspend", {"reason": "价格远高于市场均价"}
    chinese = client.post(path, json=body, headers=admin)
    assert chinese.status_code == 409
    assert chinese.json["message"] == "供应商当前状态为“待审核”，不能执行“暂停”操作。"
    english = client.post(path, json=body, headers={**admin, "Accept-Language": "en"})
    assert english.json["message"] == "A supplier that is pending review cannot take the action suspend."
    assert english.json["error_code"] == chinese.json["error_code"] == "conflict"
