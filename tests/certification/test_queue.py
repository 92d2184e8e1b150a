"""An officer's review queue (`GET /certifications?awaiting=me`): the applications whose current stage
is theirs to review, and nobody else's; and the certificates about to expire
(`?expiring_within_days=N`)."""

from datetime import timedelta

import pytest

from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.certification.test_workflow import apply, review
from tests.factories import ProductFactory, SupplierFactory

QUEUE = "/api/v1/certifications?awaiting=me"


def queue(client, headers, query=QUEUE) -> list[int]:
    r = client.get(query, headers=headers)
    assert r.status_code == 200, r.json
    return [c["id"] for c in r.json]


def test_the_county_officer_sees_the_county_stage_and_the_municipality_the_next(client, product, people):
    cert_id = apply(client, product, people)
    assert queue(client, people["county"]) == [cert_id]
    # The municipality officiates over the county, but the county stage is not theirs.
    assert queue(client, people["municipality"]) == []
    assert review(client, cert_id, people["county"]).status_code == 200
    assert queue(client, people["county"]) == []
    assert queue(client, people["municipality"]) == [cert_id]
    assert review(client, cert_id, people["municipality"]).status_code == 200
    assert queue(client, people["municipality"]) == []


def test_another_countys_officer_does_not_see_it(client, product, people):
    apply(client, product, people)
    assert queue(client, people["other_county"]) == []


def test_the_approver_of_one_stage_does_not_see_it_at_the_next(client, make_user, product, people):
    # One officer of both the county and the municipality: the second stage is another's.
    _, both = make_user(("region_officer", "500236"), ("region_officer", "500000"))
    cert_id = apply(client, product, people)
    assert queue(client, both) == [cert_id]
    assert review(client, cert_id, both).status_code == 200
    assert db.session.get(Certification, cert_id).current_stage == "province"
    assert queue(client, both) == []
    assert queue(client, people["municipality"]) == [cert_id]


def test_an_officer_does_not_see_their_own_suppliers_application(client, make_user, people):
    officer, as_officer = make_user(("region_officer", "500236"))
    own = ProductFactory(supplier=SupplierFactory(members=[officer, people["member"]]))
    cert_id = apply(client, own, people)
    assert queue(client, as_officer) == []
    assert queue(client, people["county"]) == [cert_id]
    # Yet the application is theirs to read, as a member.
    assert cert_id in queue(client, as_officer, "/api/v1/certifications")


def test_an_admin_sees_every_stage_but_what_they_approved(client, make_user, people):
    admin, as_admin = make_user(("admin", None))
    chongqing = ProductFactory(supplier=SupplierFactory(members=[people["member"]]))
    yunnan = ProductFactory(supplier=SupplierFactory(region_code="530627", members=[people["member"]]))
    first, second = apply(client, chongqing, people), apply(client, yunnan, people)
    assert queue(client, as_admin) == [first, second]  # oldest first
    assert review(client, first, as_admin).status_code == 200
    assert queue(client, as_admin) == [second]
    assert queue(client, people["admin"]) == [first, second]


def test_only_applications_under_review_are_queued(client, product, people):
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["county"], "reject", "价格高于市场价").status_code == 200
    assert queue(client, people["county"]) == []


def test_the_queue_is_paged(client, people):
    ids = [
        apply(client, ProductFactory(supplier=SupplierFactory(members=[people["member"]])), people)
        for _ in range(3)
    ]
    r = client.get(f"{QUEUE}&page_size=2&page=2", headers=people["county"])
    assert [c["id"] for c in r.json] == ids[2:]
    assert '"total": 3' in r.headers["X-Pagination"]


def test_rows_carry_the_suppliers_and_the_origins_names(client, product, people):
    apply(client, product, people)
    [row] = client.get(QUEUE, headers=people["county"]).json
    assert row["supplier_name"] == product.supplier.name
    assert row["origin_name"] == "奉节县"


def test_history_names_who_reviewed(client, make_user, product, people):
    officer, as_officer = make_user(("region_officer", "500236"))
    cert_id = apply(client, product, people)
    assert review(client, cert_id, as_officer, comment="材料齐全").status_code == 200
    history = client.get(f"/api/v1/certifications/{cert_id}/history", headers=people["county"]).json
    assert [(e["action"], e["actor_name"]) for e in history] == [
        ("apply", people["member"].display_name),
        ("approve", officer.display_name),
    ]


def test_queue_and_expiring_refuse_bad_values_naming_the_field(client, people):
    for query, field in (("awaiting=you", "awaiting"), ("expiring_within_days=0", "expiring_within_days")):
        r = client.get(f"/api/v1/certifications?{query}", headers=people["county"])
        assert r.status_code == 422 and field in r.json["errors"]["query"], r.json


@pytest.fixture
def certificates(people):
    """Three certificates of 奉节县: ending in 10 days, in 40 days, and in 10 days but renewed."""
    today = china_today()
    made = {}
    for name, days in (("soon", 10), ("later", 40), ("renewed", 10)):
        product = ProductFactory(supplier=SupplierFactory(members=[people["member"]]))
        cert = Certification(
            product_id=product.id,
            supplier_id=product.supplier_id,
            origin_region_code="500236",
            status="certified",
            stages=["county", "province"],
            notice_days=7,
            commitment={},
            valid_from=today - timedelta(days=700),
            valid_until=today + timedelta(days=days),
            certificate_no=f"BF-500236-2024-{days:04d}{len(made)}",
        )
        db.session.add(cert)
        db.session.flush()
        made[name] = cert
    renewal = Certification(
        product_id=made["renewed"].product_id,
        supplier_id=made["renewed"].supplier_id,
        origin_region_code="500236",
        status="certified",
        stages=["county", "province"],
        notice_days=7,
        commitment={},
        valid_from=today + timedelta(days=10),
        valid_until=today + timedelta(days=740),
        renewal_of_id=made["renewed"].id,
        certificate_no="BF-500236-2026-999999",
    )
    db.session.add(renewal)
    db.session.commit()
    return {name: cert.id for name, cert in made.items()}


def test_certificates_expiring_within_days_soonest_first_renewed_left_out(client, people, certificates):
    within_30 = queue(client, people["county"], "/api/v1/certifications?expiring_within_days=30")
    assert within_30 == [certificates["soon"]]
    within_60 = queue(client, people["county"], "/api/v1/certifications?expiring_within_days=60")
    assert within_60 == [certificates["soon"], certificates["later"]]
    assert queue(client, people["other_county"], "/api/v1/certifications?expiring_within_days=60") == []
    # The same certificates the daily task warns of, 30 days ahead.
    alerts.certificates_expiring(china_today())
    db.session.commit()
    warned = db.session.scalars(db.select(Alert.subject_id).where(Alert.kind == "certificate_expiring"))
    assert list(warned) == within_30
