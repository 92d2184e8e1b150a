from datetime import date, timedelta

import pytest

from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger import targets
from tests.factories import ProductFactory

YEAR_2026 = {"period_start": "2026-01-01", "period_end": "2027-01-01"}


@pytest.fixture
def officer(make_user):
    return make_user(("region_officer", "500000"))


@pytest.fixture
def admin(make_user):
    return make_user(("admin", None))


def sell(product, day, amount, buyer="370102", key=None, certificate="BF-500236-2026-000001", channel="web"):
    ledger.record(
        [
            ledger.Sale(
                source_key=key or f"test:{product.id}:{day}:{amount}",
                sale_date=day,
                amount_fen=amount,
                quantity=1,
                product_id=product.id,
                buyer_region_code=buyer,
                delivery_region_code=buyer,
                channel=channel,
                certificate_no=certificate,
            )
        ]
    )
    db.session.commit()


def make_target(client, admin, **overrides):
    body = {
        "name": "重庆产品销往山东 3000 万元",
        "amount_fen": 30_000_000_00,
        "buyer_region_code": "370000",
        "origin_region_code": "500000",
        **YEAR_2026,
        "source": "seed 000",
        **overrides,
    }
    r = client.post("/api/v1/targets", json=body, headers=admin[1])
    assert r.status_code == 201, r.json
    return r.json


def test_progress_against_chongqing_to_shandong(client, admin, officer):
    target = make_target(client, admin)
    orange = ProductFactory()
    sell(orange, date(2026, 2, 10), 6_000_000_00)
    sell(orange, date(2026, 5, 3), 8_000_000_00)
    sell(orange, date(2026, 5, 4), 1_000_000_00, buyer="440106")  # bought in Guangdong: another slice
    sell(orange, date(2025, 12, 31), 9_000_000_00)  # last year
    user = officer[0]
    p = targets.progress(user, target["id"], today=date(2026, 7, 1))
    assert p["achieved_fen"] == 14_000_000_00 and p["ratio"] == round(14 / 30, 4)
    assert p["expected_by_now_fen"] == 30_000_000_00 * 182 // 365
    assert p["forecast_fen"] == 14_000_000_00 * 365 // 182
    assert p["status"] == "on_track"  # 14M against 14.96M expected: above 90%
    assert p["by_month"] == [
        {"month": "2026-02", "amount_fen": 6_000_000_00},
        {"month": "2026-05", "amount_fen": 8_000_000_00},
    ]
    assert targets.progress(user, target["id"], today=date(2026, 9, 1))["status"] == "behind"
    sell(orange, date(2026, 9, 1), 16_000_000_00)
    assert targets.progress(user, target["id"], today=date(2026, 9, 2))["status"] == "achieved"
    r = client.get(f"/api/v1/targets/{target['id']}/progress", headers=officer[1])
    assert r.status_code == 200 and r.json["achieved_fen"] == 30_000_000_00


def test_certified_only_leaves_out_sales_without_a_valid_certificate(client, admin, officer):
    certified_only = make_target(client, admin)
    everything = make_target(client, admin, certified_only=False)
    orange = ProductFactory()
    sell(orange, date(2026, 3, 1), 500_00)
    sell(orange, date(2026, 3, 2), 700_00, certificate=None)  # sold after its certificate lapsed
    assert targets.progress(officer[0], certified_only["id"], date(2026, 4, 1))["achieved_fen"] == 500_00
    assert targets.progress(officer[0], everything["id"], date(2026, 4, 1))["achieved_fen"] == 1200_00


def test_targets_are_for_officers_and_admins(client, admin, officer, make_user):
    _, buyer = make_user()
    assert (
        client.post(
            "/api/v1/targets", json={"name": "目标", "amount_fen": 1, **YEAR_2026}, headers=officer[1]
        ).status_code
        == 403
    )
    target = make_target(client, admin)
    assert client.get("/api/v1/targets", headers=buyer).status_code == 403
    assert [t["id"] for t in client.get("/api/v1/targets", headers=officer[1]).json] == [target["id"]]
    r = client.post(
        "/api/v1/targets",
        json={"name": "倒序", "amount_fen": 1, "period_start": "2026-02-01", "period_end": "2026-01-01"},
        headers=admin[1],
    )
    assert r.status_code == 422 and "period_end" in r.json["errors"]["json"]


def test_progress_equals_the_sum_of_the_paid_web_orders(shop, admin, officer, client):
    target = make_target(
        client,
        admin,
        certified_only=False,
        period_start=str(date.today() - timedelta(days=400)),
        period_end=str(date.today() + timedelta(days=400)),
    )
    order = shop.order().json
    shop.pay(order)
    assert targets.progress(officer[0], target["id"])["achieved_fen"] == order["total_fen"]
