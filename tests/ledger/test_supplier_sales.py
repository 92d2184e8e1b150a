"""GET /suppliers/{id}/sales: a supplier's own sales by month, from the ledger, to its members and admins."""

from datetime import date

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.timeutil import china_today


def sales(shop, supplier, headers, query=""):
    return shop.client.get(f"/api/v1/suppliers/{supplier.id}/sales{query}", headers=headers)


def test_a_supplier_reads_its_months_sales_as_paid_less_refunded(shop):
    order = shop.order().json
    shop.pay(order)
    orange = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": orange["id"], "quantity": 1}]},
        headers=shop.supplier_a_headers,
    )
    assert r.status_code == 201, r.json
    today = china_today()
    r = sales(shop, shop.supplier_a, shop.supplier_a_headers)
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["supplier_id"], body["year"]) == (shop.supplier_a.id, today.year)
    assert [m["month"] for m in body["by_month"]] == [f"{today.year}-{n:02d}" for n in range(1, 13)]
    this_month = body["by_month"][today.month - 1]
    # Two oranges paid, one refunded; the other supplier's plum is not its sale.
    assert (this_month["amount_fen"], this_month["refunded_fen"], this_month["entries"]) == (6990, 6990, 2)
    assert (body["amount_fen"], body["refunded_fen"], body["entries"]) == (6990, 6990, 2)
    assert sum(m["amount_fen"] for m in body["by_month"]) == body["amount_fen"]
    other = sales(shop, shop.supplier_b, shop.supplier_b_headers).json
    assert other["amount_fen"] == 5880 and other["refunded_fen"] == 0
    # An admin reads the same figures.
    assert sales(shop, shop.supplier_a, shop.admin_headers).json == body


def test_a_year_is_its_own_and_an_empty_one_is_twelve_zero_months(shop):
    order = shop.order([{"product_id": shop.orange.id, "quantity": 1}]).json
    shop.pay(order)
    # An entry of last December counts there, not this year.
    entry = db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.supplier_id == shop.supplier_a.id))
    last_year = china_today().year - 1
    db.session.add(
        LedgerEntry(
            **{
                column.key: getattr(entry, column.key)
                for column in LedgerEntry.__table__.columns
                if column.key not in ("id", "recorded_at")
            }
            | {"source_key": "test:last-december", "sale_date": date(last_year, 12, 31)}
        )
    )
    db.session.commit()
    before = sales(shop, shop.supplier_a, shop.supplier_a_headers, f"?year={last_year}").json
    assert before["amount_fen"] == 6990 and before["by_month"][11]["amount_fen"] == 6990
    assert sales(shop, shop.supplier_a, shop.supplier_a_headers).json["amount_fen"] == 6990
    empty = sales(shop, shop.supplier_a, shop.supplier_a_headers, "?year=2001").json
    assert empty["amount_fen"] == 0 and [m["amount_fen"] for m in empty["by_month"]] == [0] * 12


def test_only_its_members_and_admins_read_a_suppliers_sales(shop, make_user):
    officer, officer_headers = make_user(("region_officer", "500236"))
    for headers in (shop.supplier_b_headers, shop.buyer_headers, officer_headers):
        assert sales(shop, shop.supplier_a, headers).status_code == 403
    assert shop.client.get("/api/v1/suppliers/999999/sales", headers=shop.admin_headers).status_code == 404
    assert shop.client.get(f"/api/v1/suppliers/{shop.supplier_a.id}/sales").status_code == 401


def test_a_bad_year_is_refused_naming_the_field(shop):
    for year in ("1999", "twenty", "2026.5"):
        r = sales(shop, shop.supplier_a, shop.supplier_a_headers, f"?year={year}")
        assert r.status_code == 422 and "year" in r.json["errors"]["query"], r.json
