from datetime import date

import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.ledger.entries import split
from marketplace.ledger.models import LedgerEntry, LedgerMonthly
from marketplace.suppliers.models import Supplier
from tests.factories import ProductFactory, SupplierFactory


def entries(**where):
    stmt = db.select(LedgerEntry).order_by(LedgerEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(LedgerEntry, key) == value)
    return list(db.session.scalars(stmt))


def total():
    return db.session.scalar(db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount_fen), 0)))


def test_a_paid_web_order_enters_the_ledger_once_per_line(shop):
    order = shop.order().json
    assert entries() == []  # placed is not paid
    intent = shop.pay(order)
    rows = entries()
    assert sorted((e.origin_county_code, e.amount_fen, e.quantity) for e in rows) == [
        ("500236", 2 * 6990, 2),
        ("500237", 5880, 1),
    ]
    first = rows[0]
    assert (first.buyer_province_code, first.buyer_city_code, first.buyer_region_code) == (
        "370000",
        "370100",
        "370102",
    )
    assert (first.origin_province_code, first.channel, first.mechanism) == ("500000", "web", "east_west")
    assert first.paired_purchase is False  # a sale Shandong helped, not a purchase by it
    shop.webhook("payment_intent.succeeded", intent)  # replayed
    assert len(entries()) == 2 and total() == order["total_fen"]


def test_refunds_enter_as_negative_entries_that_add_up(shop):
    order = shop.order().json
    shop.pay(order)
    orange = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    url = f"/api/v1/orders/{order['id']}/refunds"
    shop.client.post(
        url, json={"lines": [{"line_id": orange["id"], "quantity": 1}]}, headers=shop.admin_headers
    )
    assert total() == order["total_fen"] - 6990
    shop.client.post(url, json={"amount_fen": 1001}, headers=shop.admin_headers)
    assert total() == order["total_fen"] - 6990 - 1001
    negatives = [
        (e.source_key.split(":")[1], e.amount_fen, e.quantity) for e in entries() if e.amount_fen < 0
    ]
    by_line = [n for n in negatives if n[1] == -6990]
    assert len(by_line) == 1 and by_line[0][2] == -1  # one orange back
    by_amount = [n for n in negatives if n not in by_line]
    assert len(by_amount) == 2 and sum(n[1] for n in by_amount) == -1001  # split over both lines
    assert all(n[2] == 0 for n in by_amount)
    # Nothing in the ledger was changed: the original entries stand as they were.
    assert sorted(e.amount_fen for e in entries() if e.amount_fen > 0) == [5880, 13980]


def test_a_paid_purchase_order_enters_as_procurement_by_the_paired_region(desk):
    order = desk.draft()
    desk.run_to_paid(order)
    rows = entries(channel="procurement")
    assert sum(e.amount_fen for e in rows) == 100 * 9900 + 40 * 5000
    assert {
        (e.origin_province_code, e.buyer_province_code, e.paired_purchase, e.mechanism) for e in rows
    } == {
        (
            "500000",
            "370000",
            True,
            "east_west",
        ),  # Shandong buying Chongqing's oranges: 采购 under the pairing
        (
            "530000",
            "370000",
            False,
            "government_procurement",
        ),  # Zhaotong is paired with Dongguan, not Shandong
    }
    assert {e.certificate_no for e in rows} == {"BF-500236-2026-000001", "BF-530627-2026-000002"}


@pytest.mark.postgres
def test_postgres_refuses_updates_and_deletes_of_ledger_entries(shop):
    shop.pay(shop.order().json)
    for statement in ("UPDATE ledger_entries SET amount_fen = 1", "DELETE FROM ledger_entries"):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sqlalchemy.text(statement))
    assert len(entries()) == 2


def test_tallies_group_and_filter_and_equal_the_raw_sum(shop, make_user):
    shop.pay(shop.order().json)
    _, officer = make_user(("region_officer", "500000"))
    rows = shop.client.get("/api/v1/tallies?group_by=origin_county,channel", headers=officer).json
    assert rows == [
        {
            "origin_county": "500236",
            "origin_county_name": "奉节县",
            "channel": "web",
            "channel_name": "网店",
            "amount_fen": 13980,
            "quantity": 2,
            "weight_g": 0,
            "entries": 1,
        },
        {
            "origin_county": "500237",
            "origin_county_name": "巫山县",
            "channel": "web",
            "channel_name": "网店",
            "amount_fen": 5880,
            "quantity": 1,
            "weight_g": 0,
            "entries": 1,
        },
    ]
    r = shop.client.get(
        "/api/v1/tallies?buyer_region=370000&origin_region=500000&group_by=month", headers=officer
    )
    assert [row["amount_fen"] for row in r.json] == [total()]
    assert shop.client.get("/api/v1/tallies?buyer_region=440000", headers=officer).json == [
        {"amount_fen": 0, "quantity": 0, "weight_g": 0, "entries": 0}
    ]
    assert shop.client.get("/api/v1/tallies?group_by=nonsense", headers=officer).status_code == 422
    assert shop.client.get("/api/v1/tallies", headers=shop.buyer_headers).status_code == 403


def test_tallies_name_what_they_group_by_in_a_few_queries_whatever_the_rows(shop, make_user):
    from sqlalchemy import event

    from tests.sales import sell

    shop.pay(shop.order().json)
    _, admin = make_user(("admin", None))
    url = "/api/v1/tallies?group_by=origin_province,origin_city,buyer_province,supplier,category,mechanism"
    rows = shop.client.get(url, headers=admin).json
    assert {(r["origin_province_name"], r["origin_city_name"], r["buyer_province_name"]) for r in rows} == {
        ("重庆市", None, "山东省")  # Chongqing's counties have no city
    }
    suppliers = {e.supplier_id: db.session.get(Supplier, e.supplier_id).name for e in entries()}
    assert {r["supplier"]: r["supplier_name"] for r in rows} == suppliers
    assert all(r["category_name"] and r["mechanism_name"] == "东西部协作" for r in rows)
    english = shop.client.get(
        "/api/v1/tallies?group_by=channel,mechanism", headers={**admin, "Accept-Language": "en"}
    ).json
    assert [(r["channel_name"], r["mechanism_name"]) for r in english] == [
        ("Online shop", "East-west cooperation")
    ]

    def statements_for(group_by):
        db.session.expire_all()  # the request reads its caller afresh either way
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert shop.client.get(f"/api/v1/tallies?group_by={group_by}", headers=admin).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return [statement for statement in seen if statement.startswith("SELECT")]

    few = statements_for("origin_county,supplier,category")
    for county in ("500101", "500102", "500103", "500104", "500105"):
        sell(ProductFactory(supplier=SupplierFactory(region_code=county)), date(2026, 3, 1), 100)
    many = statements_for("origin_county,supplier,category")
    assert len(many) == len(few), (few, many)  # one lookup per kind of name


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=20),
)
def test_split_assigns_every_fen(amount, weights):
    parts = split(amount, weights)
    assert sum(parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - amount * weight / sum(weights)) < 1


def test_the_rollup_is_checked_and_rebuilt_from_the_entries(shop, app):
    shop.pay(shop.order().json)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "check-rollup"]).exit_code == 0
    db.session.execute(db.update(LedgerMonthly).values(amount_fen=LedgerMonthly.amount_fen + 1))
    db.session.commit()
    result = runner.invoke(args=["ledger", "check-rollup"])
    assert result.exit_code == 1 and "月度汇总中有 2 行与台账明细不符" in result.output
    assert runner.invoke(args=["ledger", "rebuild-rollup"]).exit_code == 0
    assert runner.invoke(args=["ledger", "check-rollup"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.sum(LedgerMonthly.amount_fen))) == total()


def test_a_dimension_named_twice_is_422_naming_group_by(client, make_user):
    _, headers = make_user(("admin", None))
    r = client.get("/api/v1/tallies?group_by=month,channel,month", headers=headers)
    assert r.status_code == 422
    assert "group_by" in r.json["errors"]["query"]


def certify(product, certificate_no):
    """A certificate in force for `product`, as the certification workflow leaves it."""
    from datetime import timedelta

    from marketplace.certification.models import Certification
    from marketplace.timeutil import china_today

    today = china_today()
    certification = Certification(
        product_id=product.id,
        supplier_id=product.supplier_id,
        origin_region_code=product.origin_region_code,
        status="certified",
        stages=["county", "city"],
        notice_days=7,
        stage_index=1,
        commitment={"quality": True, "price": True, "truthfulness": True},
        certificate_no=certificate_no,
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=300),
    )
    db.session.add(certification)
    product.certificate_no, product.certified_until = certificate_no, certification.valid_until
    db.session.commit()
    return certification


def revoke(client, headers, certification):
    r = client.post(
        f"/api/v1/certifications/{certification.id}/revoke", json={"reason": "抽检不合格"}, headers=headers
    )
    assert r.status_code == 200, r.json


def test_a_certificate_revoked_after_the_draft_leaves_the_paid_order_uncertified(desk):
    certification = certify(desk.orange, "BF-500236-2026-000555")
    order = desk.draft()
    orange_line = next(line for line in order["lines"] if line["product_id"] == desk.orange.id)
    assert orange_line["certificate_no"] == "BF-500236-2026-000555"
    revoke(desk.client, desk.admin_h, certification)
    paid = desk.run_to_paid(order)
    orange = [e for e in entries(channel="procurement") if e.product_id == desk.orange.id]
    assert [(e.amount_fen, e.certificate_no) for e in orange] == [(100 * 9900, None)]
    assert ledger_tally_certified() == 40 * 5000  # the potatoes only
    r = desk.client.get(f"/api/v1/agencies/{desk.unit.id}/quota", headers=desk.purchaser_h)
    assert r.json["units"][0]["purchased_fen"] == 40 * 5000  # the quota agrees with the ledger
    line = next(line for line in paid["lines"] if line["product_id"] == desk.orange.id)
    assert (line["certificate_no"], line["counts_toward_share"]) == (None, False)


def ledger_tally_certified():
    from marketplace.ledger.tallies import tally

    return tally([], {"certified_only": True})[0]["amount_fen"]


def test_a_certificate_revoked_before_a_web_payment_leaves_the_sale_uncertified(shop):
    certification = certify(shop.orange, "BF-500236-2026-000556")
    certify(shop.plum, "BF-500237-2026-000557")
    placed = shop.order().json
    assert {line["certificate_no"] for line in placed["lines"]} == {
        "BF-500236-2026-000556",
        "BF-500237-2026-000557",
    }
    revoke(shop.client, shop.admin_headers, certification)
    shop.pay(placed)
    assert {(e.product_id, e.certificate_no) for e in entries(channel="web")} == {
        (shop.orange.id, None),
        (shop.plum.id, "BF-500237-2026-000557"),
    }


def test_recording_a_large_purchase_order_reads_products_regions_and_pairings_once(desk, app):
    from sqlalchemy import event

    from marketplace.agencies.models import Agency
    from marketplace.ledger import entries as ledger
    from marketplace.procurement.models import PurchaseOrder
    from tests.factories import ProductFactory

    order = desk.draft()
    extra = [ProductFactory(supplier=desk.supplier_a, stock=10) for _ in range(30)]
    r = desk.client.put(
        f"/api/v1/purchase-orders/{order['id']}/lines",
        json={"lines": [{"product_id": p.id, "quantity": 2} for p in (desk.orange, desk.potato, *extra)]},
        headers=desk.purchaser_h,
    )
    assert r.status_code == 200, r.json
    po = db.session.get(PurchaseOrder, order["id"])
    for line in po.lines:
        line.quantity_received = line.quantity
    db.session.commit()
    db.session.expire_all()
    po = db.session.get(PurchaseOrder, order["id"])
    agency = db.session.get(Agency, po.agency_id)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert ledger.record_purchase_order_paid(po, agency, po.created_at.date()) == 32
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    db.session.commit()
    assert len(statements) <= 8, statements  # not one per line


def test_thousands_of_sales_are_recorded_at_once_and_a_replay_adds_none(desk):
    # 5,000 entries bind 95,000 parameters: more than one statement may carry on either database.
    from datetime import date

    from marketplace.ledger import entries as ledger

    sales = [
        ledger.Sale(
            f"bulk:{i}", date(2026, 11, 2), 9900, 1, desk.orange.id, "370102", "370102", "procurement", None
        )
        for i in range(5_000)
    ]
    assert ledger.record(sales) == 5_000
    db.session.commit()
    assert ledger.record(sales) == 0
    assert total() == 5_000 * 9900
    assert ledger.rollup_differences() == []
