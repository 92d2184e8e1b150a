"""Certification rules per province, set by admins: the stages and public-notice days an
application follows are the ones in force when it was made."""

from datetime import timedelta

import pytest

from marketplace.certification import services as certification
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory

COMMITMENT = {"commitment": {"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"}}


@pytest.fixture
def people(make_user):
    member, member_headers = make_user()
    return {
        "member": member,
        "member_headers": member_headers,
        "fengjie": make_user(("region_officer", "500236"))[1],
        "chongqing": make_user(("region_officer", "500000"))[1],
        "zhenxiong": make_user(("region_officer", "530627"))[1],
        "zhaotong": make_user(("region_officer", "530600"))[1],
        "yunnan": make_user(("region_officer", "530000"))[1],
        "admin": make_user(("admin", None))[1],
    }


def set_rule(client, headers, province_code, stages, notice_days):
    body = {"province_code": province_code, "stages": stages, "notice_days": notice_days}
    return client.post("/api/v1/certification-rules", json=body, headers=headers)


def apply(client, people, region_code="500236"):
    supplier = SupplierFactory(region_code=region_code, members=[people["member"]])
    product = ProductFactory(supplier=supplier)
    r = client.post(
        f"/api/v1/products/{product.id}/certification", json=COMMITMENT, headers=people["member_headers"]
    )
    assert r.status_code == 201, r.json
    return r.json


def approve(client, cert_id, headers):
    r = client.post(f"/api/v1/certifications/{cert_id}/review", json={"decision": "approve"}, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_two_provinces_with_different_rules_route_applications_differently(client, people):
    chongqing = set_rule(client, people["admin"], "500000", ["county"], 3)
    yunnan = set_rule(client, people["admin"], "530000", ["county", "city", "province"], 10)
    assert chongqing.status_code == 201 and yunnan.status_code == 201, (chongqing.json, yunnan.json)
    today = china_today()

    fengjie = apply(client, people, "500236")
    assert (fengjie["rule_id"], fengjie["stages"], fengjie["notice_days"]) == (
        chongqing.json["id"],
        ["county"],
        3,
    )
    in_notice = approve(client, fengjie["id"], people["fengjie"])
    assert in_notice["status"] == "in_notice"
    assert in_notice["notice_ends_on"] == (today + timedelta(days=3)).isoformat()

    zhenxiong = apply(client, people, "530627")
    assert zhenxiong["stages"] == ["county", "city", "province"] and zhenxiong["notice_days"] == 10
    assert approve(client, zhenxiong["id"], people["zhenxiong"])["current_stage"] == "city"
    assert approve(client, zhenxiong["id"], people["zhaotong"])["current_stage"] == "province"
    in_notice = approve(client, zhenxiong["id"], people["yunnan"])
    assert in_notice["status"] == "in_notice"
    assert in_notice["notice_ends_on"] == (today + timedelta(days=10)).isoformat()
    assert certification.advance_certifications(today + timedelta(days=9))["certified"] == 1  # Fengjie's
    assert certification.advance_certifications(today + timedelta(days=10))["certified"] == 1


def test_an_application_keeps_its_rule_when_the_province_gets_a_new_one(client, people):
    first = set_rule(client, people["admin"], "500000", ["county", "province"], 5).json
    before = apply(client, people)
    second = set_rule(client, people["admin"], "500000", ["county"], 15).json
    after = apply(client, people)
    assert before["rule_id"] == first["id"] and after["rule_id"] == second["id"]
    today = china_today()

    # Made under the first rule: the municipality still approves, and the notice lasts 5 days.
    assert approve(client, before["id"], people["fengjie"])["current_stage"] == "province"
    done = approve(client, before["id"], people["chongqing"])
    assert done["status"] == "in_notice"
    assert done["notice_ends_on"] == (today + timedelta(days=5)).isoformat()
    # Made under the second: the county's approval alone starts a 15-day notice.
    done = approve(client, after["id"], people["fengjie"])
    assert done["status"] == "in_notice" and done["stages"] == ["county"]
    assert done["notice_ends_on"] == (today + timedelta(days=15)).isoformat()


def test_an_application_under_the_default_rule_keeps_it_too(client, people):
    before = apply(client, people)
    assert before["rule_id"] is None and before["stages"] == ["county", "province"]
    assert before["notice_days"] == 7
    set_rule(client, people["admin"], "500000", ["county"], 2)
    approve(client, before["id"], people["fengjie"])
    done = approve(client, before["id"], people["chongqing"])
    assert done["notice_ends_on"] == (china_today() + timedelta(days=7)).isoformat()


def test_rules_are_versioned_with_their_history_and_audited(client, people, make_user):
    admin = people["admin"]
    default = client.get("/api/v1/certification-rules/530000", headers=admin).json
    assert default == {
        "id": None,
        "province_code": "530000",
        "stages": ["county", "city"],
        "notice_days": 7,
        "is_default": True,
        "valid_from": None,
        "created_by_id": None,
        "created_at": None,
    }
    first = set_rule(client, admin, "530000", ["county", "city", "province"], 10).json
    body = {
        "province_code": "530000",
        "stages": ["county", "province"],
        "notice_days": 20,
        "reason": "新文件",
    }
    second = client.post("/api/v1/certification-rules", json=body, headers=admin).json
    set_rule(client, admin, "500000", ["county"], 3)

    in_force = client.get("/api/v1/certification-rules/530000", headers=admin).json
    assert (in_force["id"], in_force["stages"], in_force["notice_days"]) == (
        second["id"],
        ["county", "province"],
        20,
    )
    assert in_force["is_default"] is False and in_force["valid_from"] is not None
    history = client.get("/api/v1/certification-rules?province_code=530000", headers=admin).json
    assert [(r["id"], r["notice_days"]) for r in history] == [(second["id"], 20), (first["id"], 10)]
    assert len(client.get("/api/v1/certification-rules", headers=admin).json) == 3

    events = client.get(
        "/api/v1/audit-events?subject_type=certification_rules&action=set", headers=admin
    ).json
    latest = next(e for e in events if e["subject_id"] == second["id"])
    assert latest["actor_id"] == second["created_by_id"] is not None and latest["reason"] == "新文件"
    assert latest["details"] == {
        "province_code": "530000",
        "stages": ["county", "province"],
        "notice_days": 20,
        "replaces_rule_id": first["id"],
    }


def test_only_admins_set_or_read_rules(client, people):
    for who in ("chongqing", "member_headers"):
        assert set_rule(client, people[who], "500000", ["county"], 3).status_code == 403
        assert client.get("/api/v1/certification-rules/500000", headers=people[who]).status_code == 403
        assert client.get("/api/v1/certification-rules", headers=people[who]).status_code == 403
    assert client.get("/api/v1/certification-rules", headers=people["admin"]).json == []
    assert apply(client, people)["stages"] == ["county", "province"]


@pytest.mark.parametrize(
    ("province_code", "stages", "notice_days", "field"),
    [
        ("530600", ["county", "city"], 7, "province_code"),  # 昭通市 is a city
        ("530627", ["county"], 7, "province_code"),
        ("990000", ["county"], 7, "province_code"),
        ("53", ["county"], 7, "province_code"),
        ("530000", [], 7, "stages"),
        ("530000", ["city", "county"], 7, "stages"),
        ("530000", ["county", "county"], 7, "stages"),
        ("530000", ["county", "town"], 7, "stages"),
        ("530000", "county", 7, "stages"),
        ("500000", ["county", "city"], 7, "stages"),  # 重庆市 has no city level
        ("530000", ["county"], 0, "notice_days"),
        ("530000", ["county"], 31, "notice_days"),
        ("530000", ["county"], 7.5, "notice_days"),
        ("530000", ["county"], None, "notice_days"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(client, people, province_code, stages, notice_days, field):
    r = set_rule(client, people["admin"], province_code, stages, notice_days)
    assert r.status_code == 422 and field in r.json["errors"]["json"], r.json
    assert client.get("/api/v1/certification-rules", headers=people["admin"]).json == []


def test_reading_the_rule_of_a_region_that_is_no_province_names_it(client, people):
    r = client.get("/api/v1/certification-rules/530600", headers=people["admin"])
    assert r.status_code == 422 and "province_code" in r.json["errors"]["path"], r.json
