import re
from datetime import date, timedelta

import pytest

from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.catalog.models import Product
from marketplace.certification import services as certification
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory
from workers.beat import SCHEDULE

COMMITMENT = {"commitment": {"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"}}


def apply(client, product, people):
    r = client.post(
        f"/api/v1/products/{product.id}/certification", json=COMMITMENT, headers=people["member_headers"]
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def review(client, cert_id, headers, decision="approve", comment=None):
    body = {"decision": decision} | ({"comment": comment} if comment else {})
    return client.post(f"/api/v1/certifications/{cert_id}/review", json=body, headers=headers)


def certify(client, product, people):
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["county"]).status_code == 200
    assert review(client, cert_id, people["municipality"]).status_code == 200
    certification.advance_certifications(china_today() + timedelta(days=7))
    return cert_id


def test_chongqing_product_county_review_then_municipal_approval_notice_then_certified(
    client, product, people
):
    cert_id = apply(client, product, people)
    r = review(client, cert_id, people["county"], comment="材料齐全")
    assert r.json["status"] == "applied" and r.json["stages"] == ["county", "province"]
    assert r.json["current_stage"] == "province"
    r = review(client, cert_id, people["municipality"])
    assert r.json["status"] == "in_notice"
    today = china_today()
    assert r.json["notice_ends_on"] == (today + timedelta(days=7)).isoformat()
    assert re.fullmatch(rf"BF-500236-{today.year}-\d{{6}}", r.json["certificate_no"])
    assert r.json["valid_until"] == (today + timedelta(days=7 + 730)).isoformat()
    # Published in the notice (公示) for anyone to read, but not certified yet.
    assert client.get(f"/api/v1/certifications/{cert_id}").json["status"] == "in_notice"
    assert client.get("/api/v1/products?certified=true").json == []

    assert certification.advance_certifications(today + timedelta(days=6))["certified"] == 0
    assert certification.advance_certifications(today + timedelta(days=7))["certified"] == 1
    listed = client.get("/api/v1/products?certified=true").json
    assert [p["certificate_no"] for p in listed] == [r.json["certificate_no"]]

    history = client.get(f"/api/v1/certifications/{cert_id}/history", headers=people["member_headers"]).json
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("apply", None, "applied"),
        ("approve", "applied", "applied"),
        ("approve", "applied", "in_notice"),
        ("certify", "in_notice", "certified"),
    ]
    assert history[1]["reason"] == "材料齐全" and history[3]["actor_id"] is None


def test_stages_default_to_county_then_city_elsewhere(client, make_user):
    member, member_headers = make_user()
    _, zhenxiong = make_user(("region_officer", "530627"))
    _, zhaotong = make_user(("region_officer", "530600"))
    product = ProductFactory(supplier=SupplierFactory(region_code="530627", members=[member]))
    r = client.post(f"/api/v1/products/{product.id}/certification", json=COMMITMENT, headers=member_headers)
    assert r.json["stages"] == ["county", "city"]
    assert review(client, r.json["id"], zhaotong).status_code == 403  # the city does not skip the county
    assert review(client, r.json["id"], zhenxiong).json["current_stage"] == "city"
    assert review(client, r.json["id"], zhaotong).json["status"] == "in_notice"


def test_stages_are_configurable_per_province(app, client, product, people, monkeypatch):
    stages = {**app.config["CERTIFICATION_STAGES"], "500000": ["county"]}
    monkeypatch.setitem(app.config, "CERTIFICATION_STAGES", stages)
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["county"]).json["status"] == "in_notice"


def test_officer_of_another_county_can_neither_see_nor_review(client, product, people):
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["other_county"]).status_code == 404
    assert client.get("/api/v1/certifications", headers=people["other_county"]).json == []
    assert db.session.get(Certification, cert_id).stage_index == 0


def test_municipal_officer_cannot_do_the_county_stage(client, product, people):
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["municipality"]).status_code == 403


def test_one_person_cannot_approve_two_stages(client, product, people):
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["admin"]).status_code == 200
    r = review(client, cert_id, people["admin"])
    assert r.status_code == 403
    assert db.session.get(Certification, cert_id).status == "applied"


def test_rejection_needs_a_comment_and_ends_the_application(client, product, people):
    cert_id = apply(client, product, people)
    r = review(client, cert_id, people["county"], decision="reject")
    assert r.status_code == 422 and "comment" in r.json["errors"]["json"]
    r = review(client, cert_id, people["county"], decision="reject", comment="检测报告过期")
    assert r.json["status"] == "rejected" and r.json["reason"] == "检测报告过期"
    assert review(client, cert_id, people["county"]).status_code == 409
    assert apply(client, product, people) != cert_id  # a fresh application may follow


def test_objection_during_notice_rejects_and_withdraws_the_number(client, product, people):
    cert_id = apply(client, product, people)
    review(client, cert_id, people["county"])
    review(client, cert_id, people["municipality"])
    r = review(client, cert_id, people["municipality"], decision="reject", comment="公示期间收到价格投诉")
    assert r.json["status"] == "rejected" and r.json["certificate_no"] is None
    assert certification.advance_certifications(china_today() + timedelta(days=30))["certified"] == 0


def test_commitment_must_be_signed_in_full(client, product, people):
    body = {"commitment": {**COMMITMENT["commitment"], "price": False}}
    r = client.post(
        f"/api/v1/products/{product.id}/certification", json=body, headers=people["member_headers"]
    )
    assert r.status_code == 422 and r.json["errors"]["json"]["commitment"] == ["须接受全部承诺：price。"]
    english = client.post(
        f"/api/v1/products/{product.id}/certification",
        json=body,
        headers={**people["member_headers"], "Accept-Language": "en"},
    )
    assert english.json["errors"]["json"]["commitment"] == ["Every commitment must be accepted: price."]


def test_one_application_at_a_time_and_only_for_ones_own_products(client, product, people, make_user):
    apply(client, product, people)
    r = client.post(
        f"/api/v1/products/{product.id}/certification", json=COMMITMENT, headers=people["member_headers"]
    )
    assert r.status_code == 409
    _, stranger = make_user()
    r = client.post(f"/api/v1/products/{product.id}/certification", json=COMMITMENT, headers=stranger)
    assert r.status_code == 404


def test_revocation_takes_the_product_out_of_certified(client, product, people):
    cert_id = certify(client, product, people)
    assert db.session.get(Product, product.id).certificate_no is not None
    r = client.post(
        f"/api/v1/certifications/{cert_id}/revoke",
        json={"reason": "抽检农残超标"},
        headers=people["other_county"],
    )
    assert r.status_code == 403  # the certificate is public, but not theirs to revoke
    r = client.post(
        f"/api/v1/certifications/{cert_id}/revoke", json={"reason": "抽检农残超标"}, headers=people["county"]
    )
    assert r.status_code == 200 and r.json["status"] == "revoked"
    assert db.session.get(Product, product.id).certificate_no is None
    assert client.get("/api/v1/products?certified=true").json == []
    r = client.post(
        f"/api/v1/certifications/{cert_id}/revoke", json={"reason": "again"}, headers=people["admin"]
    )
    assert r.status_code == 409


def daily(day):
    """The night's tasks in their order: certifications advanced (00:10), then the alerts of
    certificates expiring raised (06:30, with the other alerts)."""
    certification.advance_certifications(day)
    counts = alerts.certificates_expiring(day)
    db.session.commit()
    return counts


def test_expiry_by_the_daily_task_with_alert_30_days_ahead(client, product, people):
    cert_id = certify(client, product, people)
    valid_until = db.session.get(Certification, cert_id).valid_until
    assert daily(valid_until - timedelta(days=31))["raised"] == 0
    assert daily(valid_until - timedelta(days=30))["raised"] == 1
    assert daily(valid_until - timedelta(days=29))["raised"] == 0  # raised once
    alerts = client.get("/api/v1/alerts", headers=people["county"]).json
    assert [(a["kind"], a["subject_id"], a["due_on"]) for a in alerts] == [
        ("certificate_expiring", cert_id, valid_until.isoformat())
    ]
    assert client.get("/api/v1/alerts", headers=people["other_county"]).json == []
    assert client.get("/api/v1/alerts", headers=people["member_headers"]).status_code == 403

    assert certification.advance_certifications(valid_until - timedelta(days=1))["expired"] == 0
    assert certification.advance_certifications(valid_until)["expired"] == 1
    assert db.session.get(Certification, cert_id).status == "expired"
    assert db.session.get(Product, product.id).certified_until is None
    assert db.session.query(Alert).count() == 1


def test_daily_task_runs_through_celery_with_a_date(app, client, product, people):
    from marketplace.certification.tasks import advance_daily

    cert_id = apply(client, product, people)
    review(client, cert_id, people["county"])
    review(client, cert_id, people["municipality"])
    db.session.commit()  # the task has a session of its own; on SQLite this one's would block it
    result = advance_daily.apply(args=[(china_today() + timedelta(days=7)).isoformat()]).get()
    assert result["certified"] == 1
    assert SCHEDULE["advance-certifications"]["task"] == advance_daily.name


def test_renewal_opens_a_new_application_linked_to_the_old(client, product, people):
    cert_id = certify(client, product, people)
    r = client.post(
        f"/api/v1/certifications/{cert_id}/renew", json=COMMITMENT, headers=people["member_headers"]
    )
    assert r.status_code == 201 and r.json["renewal_of_id"] == cert_id and r.json["status"] == "applied"
    r = client.post(
        f"/api/v1/certifications/{r.json['id']}/renew", json=COMMITMENT, headers=people["member_headers"]
    )
    assert r.status_code == 409
    assert db.session.get(Product, product.id).certificate_no is not None  # the old one still holds


@pytest.mark.parametrize(
    ("status", "day_offset", "revoked_offset", "counts"),
    [
        ("certified", 0, None, True),
        ("certified", -1, None, False),  # before valid_from
        ("expired", 100, None, True),  # a sale made while it was valid still counts
        ("certified", 730, None, False),  # on valid_until it has lapsed
        ("revoked", 10, 20, True),  # sold before the revocation
        ("revoked", 30, 20, False),  # sold after it
    ],
)
def test_valid_on_a_sale_date(status, day_offset, revoked_offset, counts):
    from datetime import UTC, datetime

    start = date(2026, 1, 1)
    cert = Certification(status=status, valid_from=start, valid_until=start + timedelta(days=730))
    if revoked_offset is not None:
        cert.revoked_at = datetime.combine(start + timedelta(days=revoked_offset), datetime.min.time(), UTC)
    assert cert.valid_on(start + timedelta(days=day_offset)) is counts


def test_listing_is_scoped(client, product, people, make_user):
    cert_id = apply(client, product, people)
    assert [c["id"] for c in client.get("/api/v1/certifications", headers=people["member_headers"]).json] == [
        cert_id
    ]
    assert [c["id"] for c in client.get("/api/v1/certifications", headers=people["municipality"]).json] == [
        cert_id
    ]
    _, buyer = make_user()
    assert client.get("/api/v1/certifications", headers=buyer).json == []
    assert client.get(f"/api/v1/certifications/{cert_id}", headers=buyer).status_code == 404
    assert client.get("/api/v1/certifications").status_code == 401


def expiring_alerts(client, people):
    r = client.get("/api/v1/alerts?kind=certificate_expiring", headers=people["county"])
    assert r.status_code == 200, r.json
    return [a["subject_id"] for a in r.json]


def test_an_expiring_certificates_alert_is_resolved_when_it_expires(client, product, people):
    cert_id = certify(client, product, people)
    valid_until = db.session.get(Certification, cert_id).valid_until
    daily(valid_until - timedelta(days=30))
    assert expiring_alerts(client, people) == [cert_id]
    counts = daily(valid_until)
    assert expiring_alerts(client, people) == []
    assert counts["resolved"] == 1


def test_an_expiring_certificates_alert_is_resolved_once_its_renewal_is_certified(client, product, people):
    cert_id = certify(client, product, people)
    today = china_today()
    old = db.session.get(Certification, cert_id)
    old.valid_from, old.valid_until = today - timedelta(days=700), today + timedelta(days=20)
    db.session.commit()
    daily(today)
    assert expiring_alerts(client, people) == [cert_id]
    r = client.post(
        f"/api/v1/certifications/{cert_id}/renew", json=COMMITMENT, headers=people["member_headers"]
    )
    renewal_id = r.json["id"]
    assert review(client, renewal_id, people["county"]).status_code == 200
    assert review(client, renewal_id, people["municipality"]).status_code == 200
    daily(today + timedelta(days=6))
    assert expiring_alerts(client, people) == [cert_id]  # the renewal is only in its notice
    counts = daily(today + timedelta(days=7))
    assert db.session.get(Certification, renewal_id).status == "certified"
    assert expiring_alerts(client, people) == []
    assert counts["resolved"] == 1
    assert db.session.get(Certification, cert_id).status == "certified"  # in force until it ends


@pytest.mark.parametrize(("sale_day", "counts"), [(date(2026, 11, 30), True), (date(2026, 12, 1), False)])
@pytest.mark.parametrize("aware", [True, False])
def test_a_revocation_takes_effect_on_its_china_day(sale_day, counts, aware):
    from datetime import UTC, datetime

    revoked_at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Chongqing
    cert = Certification(
        status="revoked",
        valid_from=date(2026, 1, 1),
        valid_until=date(2028, 1, 1),
        revoked_at=revoked_at if aware else revoked_at.replace(tzinfo=None),
    )
    assert cert.valid_on(sale_day) is counts
