"""The monthly ledger (台账): XLSX and CSV of every entry with totals per county and channel."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest

from marketplace.extensions import db
from marketplace.ledger import reports
from marketplace.ledger.models import LedgerReport
from marketplace.ledger.reports import HEADER
from marketplace.outbox import services as outbox
from marketplace.timeutil import china_today, now
from tests.factories import ProductFactory, SupplierFactory
from tests.sales import sell

URL = "/api/v1/reports/ledger"
AMOUNT = HEADER.index("Amount (fen)")


@pytest.fixture
def month():
    """Last month, with sales in it from two counties and a sale either side of it."""
    first = china_today().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    orange = ProductFactory(
        name='=HYPERLINK("http://evil")奉节脐橙', supplier=SupplierFactory(region_code="500236")
    )
    plum = ProductFactory(name="巫山脆李", supplier=SupplierFactory(region_code="500237"))
    sell(orange, start, 10_000, key="a")
    sell(orange, start + timedelta(days=3), 20_000, key="b", channel="procurement")
    sell(plum, start + timedelta(days=5), 5_000, key="c")
    sell(orange, start + timedelta(days=6), -2_500, key="d")  # a refund: negative, and stays a number
    sell(orange, start - timedelta(days=1), 99_999, key="before")
    sell(orange, first, 88_888, key="after")
    return start.strftime("%Y-%m")


def test_an_admin_gets_the_months_ledger_as_xlsx(client, make_user, month):
    _, admin = make_user(("admin", None))
    r = client.post(URL, json={"month": month, "format": "xlsx"}, headers=admin)
    assert r.status_code == 202 and r.json["status"] == "ready" and r.json["entries"] == 4
    assert r.json["total_fen"] == 32_500  # the refund taken off
    r = client.get(f"{URL}?month={month}&format=xlsx", headers=admin)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    entries, totals = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    assert len(entries) == 1 + 4
    amounts = [row[AMOUNT] for row in entries[1:]]
    assert sorted(amounts) == [-2_500, 5_000, 10_000, 20_000]  # numbers, the refund's minus kept
    assert entries[0][AMOUNT] == "金额（分）" and book.sheetnames == [f"台账 {month}", "按县和渠道合计"]
    names = {row[HEADER.index("Product")] for row in entries[1:]}
    assert names == {'\'=HYPERLINK("http://evil")奉节脐橙', "巫山脆李"}
    assert not any(str(c).startswith(("=", "+", "@")) for row in entries for c in row if isinstance(c, str))
    by_county_channel = {(row[0], row[2]): row[5] for row in totals[1:-1]}
    assert by_county_channel == {
        ("500236", "网店"): 7_500,
        ("500236", "采购"): 20_000,
        ("500237", "网店"): 5_000,
    }
    assert totals[-1][0] == "合计" and totals[-1][5] == 32_500 and totals[-1][6] == 325


def test_the_csv_has_the_same_rows_and_excel_reads_its_chinese(client, make_user, month):
    _, admin = make_user(("admin", None))
    client.post(URL, json={"month": month, "format": "csv"}, headers=admin)
    r = client.get(f"{URL}?month={month}&format=csv", headers=admin)
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    blank = rows.index([])
    assert len(rows[1:blank]) == 4 and rows[blank + 1][0] == "产地县"
    assert rows[-1][0] == "合计" and rows[-1][5] == "32500" and rows[-1][6] == "325.00"
    assert "-2500" in [row[AMOUNT] for row in rows[1:blank]]


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def column(rows, name):
    return {row[HEADER.index(name)] for row in rows}


def test_each_code_has_its_name_beside_it(client, make_user, month):
    _, admin = make_user(("admin", None))
    client.post(URL, json={"month": month, "format": "csv"}, headers=admin)
    rows = csv_rows(client.get(f"{URL}?month={month}&format=csv", headers=admin))
    entries = rows[1 : rows.index([])]
    assert column(entries, "Origin county name") == {"奉节县", "巫山县"}
    assert column(entries, "Origin province name") == {"重庆市"}
    assert column(entries, "Buyer region name") == column(entries, "Delivery region name") == {"历下区"}
    assert column(entries, "Buyer province name") == {"山东省"}
    assert None not in column(entries, "Category name") and "" not in column(entries, "Category name")


def test_a_report_is_in_its_requesters_language_and_the_reader_gets_theirs_first(client, make_user, month):
    _, admin = make_user(("admin", None))
    english = {**admin, "Accept-Language": "en"}
    chinese = client.post(URL, json={"month": month, "format": "csv"}, headers=admin).json
    made = client.post(URL, json={"month": month, "format": "csv"}, headers=english).json
    assert (chinese["locale"], made["locale"], made["region_name"]) == ("zh-CN", "en", None)
    rows = csv_rows(client.get(f"{URL}?month={month}&format=csv", headers=english))
    assert rows[0][:3] == ["Entry", "Sale date", "Source"] and rows[-1][0] == "Total"
    assert column(rows[1 : rows.index([])], "Channel") == {"Online shop", "Procurement"}
    rows = csv_rows(client.get(f"{URL}?month={month}&format=csv", headers=admin))
    assert rows[0][:3] == ["序号", "销售日期", "来源"]  # the newer English one is not a Chinese reader's
    r = client.get(f"{URL}?month=2000-01&format=xlsx", headers=admin)
    assert r.status_code == 404
    assert r.json["message"] == "2000-01 的 xlsx 台账尚未生成：请用 POST /reports/ledger 申请。"
    r = client.get(f"{URL}?month=2000-01&format=xlsx", headers=english)
    assert r.json["message"] == "No xlsx ledger for 2000-01 yet: request one with POST /reports/ledger."


def test_officers_get_their_regions_ledger_only(client, make_user, month):
    _, fengjie = make_user(("region_officer", "500236"))
    r = client.post(URL, json={"month": month, "format": "csv"}, headers=fengjie)
    assert r.status_code == 202 and r.json["region_code"] == "500236" and r.json["entries"] == 3  # no plums
    assert r.json["region_name"] == "奉节县"
    other = client.post(URL, json={"month": month, "format": "csv", "region_code": "530600"}, headers=fengjie)
    assert other.status_code == 403
    whole = client.post(URL, json={"month": month, "format": "csv", "region_code": None}, headers=fengjie)
    assert whole.json["region_code"] == "500236"  # an officer's report is always scoped
    _, admin = make_user(("admin", None))
    national = client.post(URL, json={"month": month, "format": "csv"}, headers=admin).json
    assert client.get(f"{URL}/{national['id']}", headers=fengjie).status_code == 404
    _, buyer = make_user()
    assert client.post(URL, json={"month": month}, headers=buyer).status_code == 403
    assert client.get(f"{URL}?month={month}", headers=buyer).status_code == 403


def test_bad_months_and_missing_reports(client, make_user, month):
    _, admin = make_user(("admin", None))
    for bad in ("2026-13", "26-01", "2026-1", ""):
        r = client.post(URL, json={"month": bad}, headers=admin)
        assert r.status_code == 422 and "month" in r.json["errors"]["json"]
    future = (china_today().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    assert client.post(URL, json={"month": future}, headers=admin).status_code == 422
    assert client.get(f"{URL}?month={month}&format=xlsx", headers=admin).status_code == 404
    assert db.session.query(LedgerReport).count() == 0


def test_the_monthly_task_makes_last_months_whole_ledger_in_both_formats(app, make_user, month):
    from marketplace.ledger.tasks import monthly_reports

    db.session.commit()  # the task has a session of its own; on SQLite this one's would block it
    assert monthly_reports.apply().get() == 2
    made = db.session.scalars(db.select(LedgerReport).order_by(LedgerReport.id)).all()
    assert [(r.month, r.format, r.region_code, r.status, r.entries) for r in made] == [
        (month, "xlsx", None, "ready", 4),
        (month, "csv", None, "ready", 4),
    ]
    assert date.fromisoformat(month + "-01") < china_today()


def test_a_report_whose_task_was_lost_is_made_by_the_sweep(app, client, make_user, month, monkeypatch):
    _, admin = make_user(("admin", None))
    monkeypatch.setattr(outbox, "_send", lambda message: None)  # queued, then lost with Redis
    r = client.post(URL, json={"month": month, "format": "csv"}, headers=admin)
    assert r.status_code == 202 and r.json["status"] == "pending"
    assert reports.make_stale() == 0  # a worker may still have it

    timeout = app.config["TASK_VISIBILITY_TIMEOUT_SECONDS"]
    db.session.execute(db.update(LedgerReport).values(created_at=now() - timedelta(seconds=timeout + 1)))
    db.session.commit()
    assert reports.make_stale() == 1
    assert client.get(f"{URL}?month={month}&format=csv", headers=admin).status_code == 200
    assert reports.make_stale() == 0


def test_the_callers_own_requests_are_listed_newest_first_with_their_status(client, make_user, month):
    _, fengjie = make_user(("region_officer", "500236"))
    _, wushan = make_user(("region_officer", "500237"))
    _, admin = make_user(("admin", None))
    first = client.post(URL, json={"month": month, "format": "xlsx"}, headers=fengjie).json
    second = client.post(URL, json={"month": month, "format": "csv"}, headers=fengjie).json
    client.post(URL, json={"month": month, "format": "csv"}, headers=wushan)
    national = client.post(URL, json={"month": month, "format": "csv"}, headers=admin).json
    r = client.get(f"{URL}/requests", headers=fengjie)
    assert r.status_code == 200 and [x["id"] for x in r.json] == [second["id"], first["id"]]
    assert r.json[0]["status"] == "ready" and r.json[0]["region_name"] == "奉节县"
    assert r.json[0]["file_name"] == f"ledger-{month}-500236.csv"
    assert [x["id"] for x in client.get(f"{URL}/requests", headers=admin).json] == [national["id"]]
    assert client.get(f"{URL}/requests?page_size=1", headers=fengjie).headers["X-Pagination"]
    _, buyer = make_user()
    assert client.get(f"{URL}/requests", headers=buyer).status_code == 403


def test_an_officer_no_longer_of_the_region_does_not_see_their_requests_for_it(client, make_user, month):
    officer, headers = make_user(("region_officer", "500236"), ("region_officer", "500237"))
    kept = client.post(URL, json={"month": month, "region_code": "500237"}, headers=headers).json
    client.post(URL, json={"month": month, "region_code": "500236"}, headers=headers)
    grant = next(g for g in officer.role_grants if g.region_code == "500236")
    db.session.delete(grant)
    db.session.commit()
    assert [x["id"] for x in client.get(f"{URL}/requests", headers=headers).json] == [kept["id"]]


def test_a_report_downloads_by_its_id_under_its_name(client, make_user, month):
    _, fengjie = make_user(("region_officer", "500236"))
    _, wushan = make_user(("region_officer", "500237"))
    made = client.post(URL, json={"month": month, "format": "csv"}, headers=fengjie).json
    r = client.get(f"{URL}/{made['id']}/file", headers=fengjie)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == f'attachment; filename="ledger-{month}-500236.csv"'
    rows = csv_rows(r)
    assert len(rows[1 : rows.index([])]) == made["entries"] == 3
    assert rows[-1][5] == str(made["total_fen"]) == "27500"
    assert r.data == client.get(f"{URL}?month={month}&format=csv", headers=fengjie).data
    assert client.get(f"{URL}/{made['id']}/file", headers=wushan).status_code == 404
    assert client.get(f"{URL}/999999/file", headers=fengjie).status_code == 404


def test_a_report_still_being_made_answers_its_status_and_a_failed_one_409(
    client, make_user, month, monkeypatch
):
    _, admin = make_user(("admin", None))
    monkeypatch.setattr(outbox, "_send", lambda message: None)  # queued, not yet made
    made = client.post(URL, json={"month": month, "format": "xlsx"}, headers=admin).json
    r = client.get(f"{URL}/{made['id']}/file", headers=admin)
    assert r.status_code == 202 and r.json["status"] == "pending" and r.json["total_fen"] is None
    db.session.execute(db.update(LedgerReport).values(status="failed"))
    db.session.commit()
    r = client.get(f"{URL}/{made['id']}/file", headers=admin)
    assert r.status_code == 409 and r.json["message"] == f"第 {made['id']} 号台账未能生成：请重新申请。"
