from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from marketplace.extensions import db
from marketplace.ledger import targets
from tests.factories import ProductFactory
from tests.sales import sell

YEAR_2026 = {"period_start": "2026-01-01", "period_end": "2027-01-01"}


@pytest.fixture
def officer(make_user):
    return make_user(("region_officer", "500000"))


@pytest.fixture
def admin(make_user):
    return make_user(("admin", None))


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
    sell(orange, date(2024, 12, 31), 9_000_000_00)  # long before: and no sales a year before, so linear pace
    user = officer[0]
    p = targets.progress(user, target["id"], today=date(2026, 7, 1))
    assert p["achieved_fen"] == 14_000_000_00 and p["ratio"] == round(14 / 30, 4)
    assert p["expected_by_now_fen"] == 30_000_000_00 * 182 // 365
    assert p["forecast_fen"] == 14_000_000_00 * 365 // 182
    assert p["status"] == "on_track"  # 14M against 14.96M expected: above 90%
    assert p["pace"] == "linear"
    assert p["by_month"] == [
        {"month": "2026-02", "amount_fen": 6_000_000_00, "weight_g": 0},
        {"month": "2026-05", "amount_fen": 8_000_000_00, "weight_g": 0},
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


def test_a_target_names_its_regions_and_category_and_its_errors_speak_the_readers_language(
    client, admin, officer
):
    weight = {"weight_g": 10_000_000_000, "amount_fen": None, "category_code": "fruit.citrus"}
    target = make_target(client, admin, **weight)
    assert (target["buyer_region_name"], target["origin_region_name"]) == ("山东省", "重庆市")
    assert target["category_name"] and target["category_name"] != "fruit.citrus"
    assert client.get("/api/v1/targets", headers=officer[1]).json[0]["origin_region_name"] == "重庆市"
    backwards = {"name": "倒序", "amount_fen": 1, "period_start": "2026-02-01", "period_end": "2026-01-01"}
    chinese = client.post("/api/v1/targets", json=backwards, headers=admin[1]).json["errors"]["json"]
    assert chinese["period_end"] == ["须晚于 period_start（期间为 [start, end)，含起不含止）。"]
    english = {**admin[1], "Accept-Language": "en"}
    r = client.post("/api/v1/targets", json=backwards, headers=english).json["errors"]["json"]
    assert r["period_end"] == ["Must be after period_start (periods are [start, end))."]
    missing = client.get("/api/v1/targets/999999", headers=admin[1]).json
    assert (missing["message"], missing["error_code"]) == ("编号为 999999 的目标不存在。", "not_found")


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


def test_seasonal_pace_follows_last_years_months(client, admin, officer):
    """Oranges sell in winter: last year's shape, not a straight line, says what is due by now."""
    target = make_target(client, admin, amount_fen=1_000_000_00)
    orange = ProductFactory()
    sell(orange, date(2024, 12, 1), 1_00, buyer="440106")  # the ledger goes back before last year
    sell(orange, date(2025, 1, 20), 600_000_00)  # last year: 60% in January
    sell(orange, date(2025, 11, 20), 300_000_00)
    sell(orange, date(2025, 12, 20), 100_000_00)
    sell(orange, date(2026, 1, 10), 550_000_00)
    p = targets.progress(officer[0], target["id"], today=date(2026, 2, 1))
    assert p["pace"] == "seasonal"
    assert p["expected_by_now_fen"] == 600_000_00  # all of January's share, none of February's yet
    assert p["expected_linear_fen"] == 1_000_000_00 * 32 // 365
    assert p["status"] == "on_track"  # 550k against 600k expected: above 90%
    assert p["forecast_fen"] == 550_000_00 * 1_000_000_00 // 600_000_00
    p = targets.progress(officer[0], target["id"], today=date(2026, 11, 15))
    assert p["expected_by_now_fen"] == 600_000_00 + 300_000_00 * 15 // 30  # half of November's share
    assert p["status"] == "behind"


def test_a_weight_target_counts_net_weight_of_its_category(client, admin, officer):
    """Fengjie's 10,000 tonnes of navel oranges into Shandong."""
    target = make_target(
        client,
        admin,
        name="奉节脐橙销往山东 1 万吨",
        amount_fen=None,
        weight_g=10_000 * 1_000_000,
        category_code="fruit.citrus",
        origin_region_code="500236",
    )
    assert target["measure"] == "weight"
    box = ProductFactory(category_code="fruit.citrus", net_weight_g=5000)  # a 5 kg box
    honey = ProductFactory(category_code="honey", net_weight_g=500)
    sell(box, date(2026, 3, 1), 6990 * 200_000, quantity=200_000)
    sell(honey, date(2026, 3, 1), 8800, quantity=1)  # not oranges
    p = targets.progress(officer[0], target["id"], today=date(2026, 12, 31))
    assert p["achieved_g"] == 200_000 * 5000 and p["target_g"] == 10_000 * 1_000_000
    assert p["target_fen"] is None and p["achieved_fen"] == 6990 * 200_000
    assert p["ratio"] == 0.1 and p["status"] == "behind"
    both = {"name": "两个", **YEAR_2026, "amount_fen": 1, "weight_g": 1, "category_code": "fruit.citrus"}
    r = client.post("/api/v1/targets", json=both, headers=admin[1])
    assert r.status_code == 422 and "amount_fen" in r.json["errors"]["json"]
    r = client.post(
        "/api/v1/targets", json={**both, "amount_fen": None, "category_code": None}, headers=admin[1]
    )
    assert r.status_code == 422 and "category_code" in r.json["errors"]["json"]


def test_admins_change_and_delete_targets_and_officers_cannot(client, admin, officer):
    target = make_target(client, admin)
    url = f"/api/v1/targets/{target['id']}"
    assert client.patch(url, json={"amount_fen": 5}, headers=officer[1]).status_code == 403
    assert client.delete(url, headers=officer[1]).status_code == 403
    r = client.patch(url, json={"amount_fen": 40_000_000_00, "name": "提高到 4000 万元"}, headers=admin[1])
    assert r.status_code == 200 and r.json["amount_fen"] == 40_000_000_00
    assert client.get(url, headers=officer[1]).json["name"] == "提高到 4000 万元"
    assert client.patch(url, json={"period_end": "2025-01-01"}, headers=admin[1]).status_code == 422
    assert client.delete(url, headers=admin[1]).status_code == 204
    assert client.get(url, headers=officer[1]).status_code == 404


def test_a_partial_year_before_gives_no_seasonal_shape(client, admin, officer):
    """The ledger began last November: last year's 'shape' would be all November and December."""
    target = make_target(client, admin, amount_fen=1_000_000_00)
    orange = ProductFactory()
    sell(orange, date(2025, 11, 20), 300_000_00)
    p = targets.progress(officer[0], target["id"], today=date(2026, 7, 1))
    assert p["pace"] == "linear" and p["expected_by_now_fen"] == p["expected_linear_fen"]


def batch_of_targets(client, admin):
    """Targets of every kind the progress reads differently, and sales for each: whole months from
    the rollup, part-months and a county buyer from the entries, weight, seasonal pace, ended short."""
    made = [
        make_target(client, admin),
        make_target(client, admin, certified_only=False, period_start="2026-03-15", period_end="2026-11-20"),
        make_target(client, admin, buyer_region_code="370102", period_start="2026-02-10"),
        make_target(
            client,
            admin,
            amount_fen=None,
            weight_g=10_000 * 1_000_000,
            category_code="fruit.citrus",
            origin_region_code="500236",
        ),
        make_target(
            client, admin, amount_fen=1_000_000_00, period_start="2025-01-01", period_end="2026-01-01"
        ),
        make_target(client, admin, origin_region_code="440000", buyer_region_code="440000"),
    ]
    orange = ProductFactory(category_code="fruit.citrus", net_weight_g=5000)
    sell(orange, date(2024, 12, 1), 1_00, buyer="440106")  # the ledger goes back before last year
    sell(orange, date(2025, 1, 20), 600_000_00)
    sell(orange, date(2025, 11, 20), 300_000_00)
    sell(orange, date(2026, 2, 11), 2_000_00, quantity=3)
    sell(orange, date(2026, 3, 14), 7_000_00)
    sell(orange, date(2026, 3, 16), 11_000_00, certificate=None)
    sell(orange, date(2026, 7, 1), 13_000_00, buyer="370202")
    sell(orange, date(2026, 11, 19), 17_000_00, quantity=2)
    sell(orange, date(2026, 11, 25), 19_000_00)
    return made


def test_every_targets_progress_in_one_call_equals_each_ones_own_to_the_fen(
    client, admin, officer, make_user
):
    made = batch_of_targets(client, admin)
    ids = {t["id"] for t in made}
    answer = client.get("/api/v1/targets/progress?page_size=100", headers=admin[1])
    assert answer.status_code == 200
    batched = {p["target_id"]: p for p in answer.json if p["target_id"] in ids}
    assert batched.keys() == ids
    for target_id, p in batched.items():
        assert p == client.get(f"/api/v1/targets/{target_id}/progress", headers=admin[1]).json
    assert {p["status"] for p in batched.values()} >= {"missed", "behind"}
    # An officer of Chongqing: their targets only, in GET /targets' order and pages.
    theirs = client.get("/api/v1/targets/progress?page_size=2&page=2", headers=officer[1])
    listed = client.get("/api/v1/targets?page_size=2&page=2", headers=officer[1])
    assert [p["target_id"] for p in theirs.json] == [t["id"] for t in listed.json]
    assert theirs.headers["X-Pagination"] == listed.headers["X-Pagination"]
    mine = client.get("/api/v1/targets/progress?page_size=100", headers=officer[1]).json
    assert made[-1]["id"] not in {p["target_id"] for p in mine} and len(mine) == len(made) - 1
    some = f"{made[0]['id']},{made[-1]['id']}"
    assert [
        p["target_id"] for p in client.get(f"/api/v1/targets/progress?ids={some}", headers=officer[1]).json
    ] == [made[0]["id"]]
    bad = client.get("/api/v1/targets/progress?ids=1,x", headers=officer[1])
    assert bad.status_code == 422 and "ids" in bad.json["errors"]["query"]
    # An id past the columns' 32 bits is refused, not sent to PostgreSQL to overflow.
    huge = client.get(f"/api/v1/targets/progress?ids={made[0]['id']},{2**31}", headers=officer[1])
    assert huge.status_code == 422 and "ids" in huge.json["errors"]["query"]
    _, buyer = make_user()
    assert client.get("/api/v1/targets/progress", headers=buyer).status_code == 403


def test_every_targets_progress_takes_the_same_few_queries_however_many_targets(client, admin):
    made = batch_of_targets(client, admin)
    statements = []

    def count(*args):
        statements.append(args[2])

    every = list(db.session.scalars(targets.list_targets(admin[0])))
    counts = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for many in (every[:1], every):
            statements.clear()
            targets.progress_many(many, date(2026, 12, 2))
            counts.append(len(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(every) == len(made) and counts[0] == counts[1] <= 5, counts


def test_every_targets_progress_answers_304_until_a_sale_or_a_target_changes(client, admin):
    made = batch_of_targets(client, admin)
    url = "/api/v1/targets/progress?page_size=100"
    first = client.get(url, headers=admin[1])
    tag = first.headers["ETag"]
    quiet = client.get(url, headers={**admin[1], "If-None-Match": tag})
    assert quiet.status_code == 304 and quiet.data == b"" and quiet.headers["ETag"] == tag
    assert quiet.headers["X-Pagination"] == first.headers["X-Pagination"]
    assert client.get(url.replace("100", "99"), headers={**admin[1], "If-None-Match": tag}).status_code == 200
    sell(ProductFactory(), date(2026, 12, 1), 23_000_00)
    after_sale = client.get(url, headers={**admin[1], "If-None-Match": tag})
    assert after_sale.status_code == 200 and after_sale.headers["ETag"] != tag
    assert after_sale.json != first.json
    tag = after_sale.headers["ETag"]
    client.patch(f"/api/v1/targets/{made[0]['id']}", json={"amount_fen": 10_00}, headers=admin[1])
    assert client.get(url, headers={**admin[1], "If-None-Match": tag}).status_code == 200


def test_the_progress_etag_follows_the_targets_themselves_not_the_audit_trail(client, admin):
    from marketplace.audit import services as audit
    from marketplace.ledger.models import Target

    made = batch_of_targets(client, admin)
    url = "/api/v1/targets/progress?page_size=100"
    tag = client.get(url, headers=admin[1]).headers["ETag"]
    # The trail is written, never read for rules (issue 16): an event about a target changes nothing shown.
    audit.record(db.session.get(Target, made[1]["id"]), "update", admin[0].id, details={})
    db.session.commit()
    assert client.get(url, headers={**admin[1], "If-None-Match": tag}).status_code == 304
    # A rename: no new target, none gone, no sale; only the target's own version says it changed.
    renamed = client.patch(
        f"/api/v1/targets/{made[1]['id']}", json={"name": "鲁渝协作 2026 改"}, headers=admin[1]
    )
    assert renamed.status_code == 200
    changed = client.get(url, headers={**admin[1], "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "鲁渝协作 2026 改" in {p["name"] for p in changed.json}
    again = client.get(url, headers={**admin[1], "If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 304


def test_an_ended_target_is_achieved_or_missed_never_behind_and_raises_no_alert(client, admin, officer):
    from marketplace.alerts import services as alerts
    from marketplace.alerts.models import Alert

    ended = make_target(
        client, admin, amount_fen=1_000_000_00, period_start="2025-01-01", period_end="2026-01-01"
    )
    sell(ProductFactory(), date(2025, 6, 1), 100_000_00)
    p = targets.progress(officer[0], ended["id"], today=date(2026, 2, 1))
    assert p["status"] == "missed" and p["ratio"] == 0.1 and p["ledger_since"] == "2025-06-01"
    assert targets.progress(officer[0], ended["id"], today=date(2025, 12, 31))["status"] == "behind"
    alerts.raise_daily(date(2026, 2, 1))
    assert db.session.scalar(select(Alert).where(Alert.subject_id == ended["id"])) is None
