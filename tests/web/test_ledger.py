"""The dashboard's 台账 (monthly ledger) as an officer meets it, in Chromium: choosing a month, a
region (by name) and a format, making the ledger, seeing it ready and downloading it; the files hold
the same rows, to the fen, as the API's own download and the officer's tallies; earlier requests stay
listed after a reload; no serious accessibility fault."""

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from playwright.sync_api import expect

from marketplace.ledger.reports import HEADER
from tests.web import harness
from tests.web.test_dashboard import sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

OFFICER = ("chongqing.officer@demo.test", "demo-officer-pass")
ADMIN = ("admin@demo.test", "demo-admin-pass")
AMOUNT = HEADER.index("Amount (fen)")


@pytest.fixture(scope="module")
def officer(api):
    """The officer's API, signed in once for the file."""
    return api(*OFFICER)


def months_ago(n: int) -> str:
    today = datetime.now(ZoneInfo("Asia/Shanghai"))
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12}-{index % 12 + 1:02d}"


def label(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def yuan(fen: int) -> str:
    """Fen as the page writes them, to the fen: 12345678 -> "¥123,456.78"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def open_ledger(page) -> None:
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.get_by_role("menuitem", name="台账").click()
    expect(page).to_have_url(re.compile(r"/dashboard/ledger$"))
    expect(page.get_by_role("heading", name="月度台账")).to_be_visible()


def choose(page, field: str, option: str) -> None:
    # The select's box, where a user clicks (its combobox input lies under the chosen value).
    page.locator(".el-select", has=page.get_by_role("combobox", name=field)).click()
    page.get_by_role("option", name=option, exact=True).click()


def make(page, month: str, fmt: str) -> str:
    """Ask for the month's ledger in `fmt` and wait until it is ready; returns its report id."""
    choose(page, "月份", label(month))
    page.locator(".el-radio-button", has_text=fmt).click()
    page.get_by_role("button", name="生成台账").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text(
        re.compile(rf"{label(month)} 重庆市的台账已生成：共 [\d,]+ 笔，合计 ¥[\d,]+\.\d\d。")
    )
    return status.get_attribute("data-report-id")


def xlsx_rows(data: bytes) -> tuple[list[tuple], list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    entries, totals = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    return entries[1:], totals[1:]


def csv_rows(data: bytes) -> tuple[list[list[str]], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blank = rows.index([])
    return rows[1:blank], rows[blank + 2 :]


def api_download(officer, month: str, fmt: str) -> bytes:
    answer = officer.session.get(
        f"{officer.base_url}/api/v1/reports/ledger",
        params={"month": month, "format": fmt, "region_code": "500000"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.content


def tallied(caller, month: str) -> dict:
    """The caller's tally of the month: an officer's scope is the ledger's (origin or buyer in their
    region); an admin's, the whole ledger."""
    rows = caller.get(f"/tallies?group_by=month&year={month[:4]}")
    return next(row for row in rows if row["month"] == month)


def test_officer_makes_the_xlsx_ledger_of_a_month_and_downloads_the_apis_rows(page, officer, shoot):
    month = months_ago(2)
    open_ledger(page)
    expect(page.locator(".request .month")).to_contain_text(label(months_ago(1)))  # the last whole month
    expect(page.locator(".request .region")).to_contain_text("重庆市")  # the officer's own region
    report_id = make(page, month, "XLSX")
    assert officer.get(f"/reports/ledger/{report_id}")["status"] == "ready"
    shoot(page, "ledger-ready")
    assert harness.sideways(page) == {"tablet": 0, "desktop": 0}  # no scrolling sideways at either
    with page.expect_download() as download:
        page.get_by_role("status").get_by_role("button", name="下载").click()
    assert download.value.suggested_filename == f"ledger-{month}-500000.xlsx"
    with open(download.value.path(), "rb") as file:
        entries, totals = xlsx_rows(file.read())
    assert (entries, totals) == xlsx_rows(api_download(officer, month, "xlsx"))
    tally = tallied(officer, month)
    assert len(entries) == tally["entries"] > 0
    assert sum(row[AMOUNT] for row in entries) == totals[-1][5] == tally["amount_fen"]
    assert totals[-1][0] == "合计"
    expect(page.get_by_role("status")).to_contain_text(
        f"共 {len(entries):,} 笔，合计 {yuan(tally['amount_fen'])}。"
    )


def test_officer_downloads_the_csv_and_finds_it_listed_after_a_reload(page, officer, shoot):
    month = months_ago(3)
    open_ledger(page)
    report_id = make(page, month, "CSV")
    with page.expect_download() as download:
        page.get_by_role("status").get_by_role("button", name="下载").click()
    assert download.value.suggested_filename == f"ledger-{month}-500000.csv"
    with open(download.value.path(), "rb") as file:
        entries, totals = csv_rows(file.read())
    assert (entries, totals) == csv_rows(api_download(officer, month, "csv"))
    tally = tallied(officer, month)
    assert len(entries) == tally["entries"] > 0
    assert sum(int(row[AMOUNT]) for row in entries) == int(totals[-1][5]) == tally["amount_fen"]

    page.reload()
    row = page.locator(f'.reports tr[data-report-id="{report_id}"]')
    expect(row).to_contain_text(label(month))
    expect(row).to_contain_text("重庆市")
    expect(row).to_contain_text("CSV")
    expect(row.locator(".el-tag")).to_have_text("已生成")
    expect(row.locator(".entries")).to_have_text(f"{tally['entries']:,}")
    expect(row.locator(".total")).to_have_text(yuan(tally["amount_fen"]))
    shoot(page, "ledger-earlier")
    with page.expect_download() as again:
        row.get_by_role("button", name=f"下载 ledger-{month}-500000.csv").click()
    with open(again.value.path(), "rb") as file:
        assert csv_rows(file.read()) == (entries, totals)


def test_officer_chooses_a_county_by_name(page, officer):
    month = months_ago(1)
    open_ledger(page)
    choose(page, "地区", "奉节县")
    choose(page, "月份", label(month))
    page.get_by_role("button", name="生成台账").click()
    expect(page.get_by_role("status")).to_contain_text(f"{label(month)} 奉节县的台账已生成")
    report_id = page.get_by_role("status").get_attribute("data-report-id")
    assert officer.get(f"/reports/ledger/{report_id}")["region_code"] == "500236"


def test_admin_makes_the_whole_ledger_or_a_provinces(page, api):
    admin = api(*ADMIN)
    month = months_ago(1)
    sign_in(page, ADMIN)
    page.get_by_role("menuitem", name="台账").click()
    expect(page.locator(".request .region")).to_contain_text("全部地区（全量台账）")
    page.get_by_role("button", name="生成台账").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"{label(month)} 全部地区（全量台账）的台账已生成")
    whole = admin.get(f"/reports/ledger/{status.get_attribute('data-report-id')}")
    assert whole["region_code"] is None and whole["entries"] == tallied(admin, month)["entries"]
    choose(page, "地区", "山东省")
    page.get_by_role("button", name="生成台账").click()
    expect(status).to_contain_text(f"{label(month)} 山东省的台账已生成")
    assert admin.get(f"/reports/ledger/{status.get_attribute('data-report-id')}")["region_code"] == "370000"


def pending(route):
    """The API's answer with the report said to be still in the making, as with a worker."""
    answer = route.fetch()
    route.fulfill(response=answer, json={**answer.json(), "status": "pending", "entries": None})


POSTED = re.compile(r"/api/v1/reports/ledger$")
STATUS = re.compile(r"/api/v1/reports/ledger/\d+$")


def test_a_ledger_still_being_made_shows_so_and_is_asked_after_until_ready(page, shoot):
    """On the embedded default a ledger is made before POST answers; here the API is made to say
    "pending" twice (the POST and the first status call)."""
    month = months_ago(4)
    asked = []

    def made_later(route):
        if len(asked) >= 2:
            route.continue_()
            return
        asked.append(route.request.url)
        pending(route)

    page.route(POSTED, made_later)
    page.route(STATUS, made_later)
    open_ledger(page)
    choose(page, "月份", label(month))
    page.get_by_role("button", name="生成台账").click()
    status = page.get_by_role("status")
    expect(status).to_have_text(f"正在生成 {label(month)} 重庆市的台账…")
    expect(status.get_by_role("button", name="下载")).to_have_count(0)
    report_id = status.get_attribute("data-report-id")
    row = page.locator(f'.reports tr[data-report-id="{report_id}"]')
    expect(row.locator(".el-tag")).to_have_text("生成中")
    # Neither figure until the ledger is made (the API's pending answer here still carries a total).
    expect(row.locator(".entries")).to_have_text("—")
    expect(row.locator(".total")).to_have_text("—")
    shoot(page, "ledger-pending")
    expect(status).to_contain_text(f"{label(month)} 重庆市的台账已生成", timeout=10_000)
    expect(row.locator(".el-tag")).to_have_text("已生成")
    expect(row.locator(".total")).to_have_text(re.compile(r"^¥[\d,]+\.\d\d$"))
    assert len(asked) == 2 and asked[1].endswith(f"/reports/ledger/{report_id}")
