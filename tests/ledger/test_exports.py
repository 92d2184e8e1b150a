"""GET /tallies/export: the rows GET /tallies answers for the same query, as XLSX, to the fen, with a
total row, Chinese headers for zh-CN readers, and the tallies' permissions and validation."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import ProductFactory, SupplierFactory
from tests.sales import sell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(("admin", None))[1],
        "chongqing": make_user(("region_officer", "500000"))[1],
        "beijing": make_user(("region_officer", "110000"))[1],
        "buyer": make_user()[1],
    }


@pytest.fixture
def sales():
    """Fengjie sells to Jinan (web, procurement) and Zhaotong; Zhenxiong (Yunnan) sells to Jinan. The
    amounts have odd fen, so that a float or a rounding anywhere shows."""
    fengjie = ProductFactory(supplier=SupplierFactory(region_code="500236"))
    zhenxiong = ProductFactory(supplier=SupplierFactory(region_code="530627"))
    sell(fengjie, date(2026, 3, 1), 1_234_567_89, buyer="370102", quantity=3)
    sell(fengjie, date(2026, 3, 9), 7_01, buyer="370102", channel="procurement", certificate=None)
    sell(fengjie, date(2026, 4, 2), 20_03, buyer="530602")
    sell(zhenxiong, date(2026, 4, 3), 3_99, buyer="370102")


def export(client, headers, query, language="zh-CN"):
    r = client.get(f"/api/v1/tallies/export?{query}", headers={**headers, "Accept-Language": language})
    assert r.status_code == 200, r.json
    assert r.content_type == XLSX
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(r.data))


def tallies(client, headers, query):
    r = client.get(f"/api/v1/tallies?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def fen(cell) -> int:
    """A yuan number cell back in fen, exactly: it must be a number, not text."""
    assert isinstance(cell, int | float), cell
    return int(Decimal(str(cell)) * 100)


def test_the_export_has_the_tallies_rows_to_the_fen_and_their_total(client, people, sales):
    query = "group_by=origin_county,channel&year=2026"
    rows = tallies(client, people["admin"], query)
    sheet = export(client, people["admin"], query)["销售统计"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("产地县代码", "产地县", "渠道", "笔数", "数量", "净重（千克）", "金额（元）")
    body, total = lines[1:-1], lines[-1]
    assert [(r[0], r[1], r[2], r[3], r[4], fen(r[6])) for r in body] == [
        (
            r["origin_county"],
            r["origin_county_name"],
            r["channel_name"],
            r["entries"],
            r["quantity"],
            r["amount_fen"],
        )
        for r in rows
    ]
    assert [fen(r[6]) for r in body] == [7_01, 1_234_587_92, 3_99]
    whole = tallies(client, people["admin"], "year=2026")[0]
    assert total[0] == "合计" and total[3] == whole["entries"] == 4
    assert fen(total[6]) == whole["amount_fen"] == 1_234_598_92
    assert sheet.cell(2, 7).number_format == "#,##0.00"


def test_an_ungrouped_export_is_the_total_row_alone_and_says_its_query(client, people, sales):
    book = export(client, people["admin"], "origin_region=500236&certified_only=true")
    lines = list(book["销售统计"].iter_rows(values_only=True))
    whole = tallies(client, people["admin"], "origin_region=500236&certified_only=true")[0]
    assert len(lines) == 2 and lines[1][0] == "合计"
    assert fen(lines[1][4]) == whole["amount_fen"] == 1_234_587_92
    conditions = dict(book["查询条件"].iter_rows(values_only=True))
    assert conditions["产地"] == "奉节县 (500236)"
    assert conditions["仅计认定产品"] == "是" and conditions["购买地"] == "全部"


def test_an_officer_exports_what_their_tallies_show_and_no_more(client, people, sales):
    query = "group_by=origin_county&origin_region=500236"
    rows = tallies(client, people["chongqing"], query)
    lines = list(export(client, people["chongqing"], query)["销售统计"].iter_rows(values_only=True))
    assert [(r[0], fen(r[5])) for r in lines[1:-1]] == [(r["origin_county"], r["amount_fen"]) for r in rows]
    # Beijing's officer: neither side of any sale is theirs, so the sheet sums nothing.
    assert tallies(client, people["beijing"], query) == []
    lines = list(export(client, people["beijing"], query)["销售统计"].iter_rows(values_only=True))
    assert len(lines) == 2 and lines[1][0] == "合计" and fen(lines[1][5]) == 0


@pytest.mark.parametrize("who, status", [("buyer", 403), ("anon", 401)])
def test_who_may_not_read_the_tallies_may_not_export_them(client, people, sales, who, status):
    headers = {} if who == "anon" else people[who]
    r = client.get("/api/v1/tallies/export?group_by=origin_county", headers=headers)
    assert r.status_code == status, r.json
    assert r.content_type == "application/json"


def test_a_bad_group_by_names_the_field(client, people):
    r = client.get("/api/v1/tallies/export?group_by=county", headers=people["admin"])
    assert r.status_code == 422
    assert "group_by" in r.json["errors"]["query"]
    r = client.get(
        "/api/v1/tallies/export?origin_region=999999", headers={**people["admin"], "Accept-Language": "zh-CN"}
    )
    assert r.status_code == 422 and "origin_region" in r.json["message"]


def test_english_readers_get_english_headers(client, people, sales):
    lines = list(
        export(client, people["admin"], "group_by=month", "en")["Tallies"].iter_rows(values_only=True)
    )
    assert lines[0] == ("Month", "Entries", "Quantity", "Net weight (kg)", "Amount (yuan)")
    assert [r[0] for r in lines[1:]] == ["2026-03", "2026-04", "Total"]
