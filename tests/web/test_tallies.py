"""The tallies explorer (销售统计) as an officer uses it, in Chromium: picking an origin county in the
region tree, the page's total and table being the API's to the fen, the XLSX export of the same slice,
English when chosen, and no serious accessibility fault."""

import io
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web import harness
from tests.web.test_dashboard import OFFICER, sign_in, wan_yuan

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]


def yuan(fen: int) -> str:
    """Fen as yuan to the fen, as the page writes them: 123456789 -> "¥1,234,567.89"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


@pytest.fixture(scope="module")
def officer(api):
    """The Chongqing officer on the API, signed in once for the module: sign-ins per account are
    limited (10 a minute), and the dashboard's tests sign this officer in too."""
    return api(*OFFICER)


def open_explorer(page) -> None:
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.get_by_role("menuitem", name="销售统计").click()
    expect(page).to_have_url(re.compile(r"/dashboard/tallies$"))
    expect(page.get_by_role("heading", name="销售统计")).to_be_visible()


def enter_explorer(page, officer) -> None:
    """The explorer in a tab where the officer is signed in already (their session in the tab)."""
    token = officer.session.headers["Authorization"].removeprefix("Bearer ")
    page.goto("/sign-in")
    page.evaluate(
        "token => sessionStorage.setItem('marketplace.session',"
        " JSON.stringify({token, expiresAt: Date.now() + 3600000}))",
        token,
    )
    page.goto("/dashboard/tallies")
    expect(page.get_by_role("heading", name="销售统计")).to_be_visible()


def choose(page, name: str) -> None:
    """Opens a select by its label, as a user clicks it: on its placeholder, which lies over the input."""
    page.get_by_role("combobox", name=name).click(force=True)


def pick_origin(page, name: str) -> None:
    """Opens the origin picker (the officer's own region, opened) and picks a county by its name."""
    choose(page, "产地")
    page.get_by_role("treeitem", name=name, exact=True).click()


def fen(cell) -> int:
    assert isinstance(cell, int | float), cell  # a number cell, not text
    return int(Decimal(str(cell)) * 100)


def test_officer_filters_to_fengjie_and_sees_the_apis_total_rows_and_export(page, officer, shoot):
    query = f"year={this_year()}&origin_region=500236"
    total = officer.get(f"/tallies?{query}")[0]
    rows = officer.get(f"/tallies?group_by=origin_county,channel&{query}")
    assert total["amount_fen"] > 0 and len(rows) > 1
    whole_year = officer.get(f"/tallies?year={this_year()}")[0]

    open_explorer(page)
    # Before any choice: the officer's region (重庆市) for the year, the API's figure.
    expect(page.locator(".total .yuan")).to_have_text(yuan(whole_year["amount_fen"]))
    expect(page.locator(".chart-box canvas")).to_be_visible()
    # Every county and channel of the region: the table a page of 20 at a time, the total whole.
    everything = officer.get(f"/tallies?group_by=origin_county,channel&year={this_year()}")
    assert len(everything) > 20
    body = page.locator(".el-table__body-wrapper tr.el-table__row")
    expect(body).to_have_count(20)
    expect(page.locator(".el-table__body-wrapper td.yuan")).to_have_text(
        [yuan(r["amount_fen"]) for r in everything[:20]]
    )
    expect(page.locator(".pager")).to_contain_text(f"共 {len(everything)} 条")
    page.locator(".pager").get_by_role("button", name="下一页").click()
    expect(page.locator(".el-table__body-wrapper td.yuan").first).to_have_text(
        yuan(everything[20]["amount_fen"])
    )
    expect(page.locator(".el-table__footer-wrapper")).to_contain_text(yuan(whole_year["amount_fen"]))
    page.locator(".pager").get_by_role("button", name="上一页").click()
    shoot(page, "tallies-officer")

    pick_origin(page, "奉节县")
    expect(page.locator(".total .yuan")).to_have_text(yuan(total["amount_fen"]))
    expect(page.locator(".total .wan")).to_have_text(wan_yuan(total["amount_fen"]))
    body = page.locator(".el-table__body-wrapper tr.el-table__row")
    expect(body).to_have_count(len(rows))
    expect(page.locator(".el-table__body-wrapper td.yuan")).to_have_text(
        [yuan(r["amount_fen"]) for r in rows]
    )
    for i, row in enumerate(rows):
        expect(body.nth(i)).to_contain_text(row["origin_county_name"])
        expect(body.nth(i)).to_contain_text(row["channel_name"])
    expect(page.locator(".el-table__footer-wrapper")).to_contain_text(yuan(total["amount_fen"]))
    page.keyboard.press("Escape")
    assert harness.sideways(page) == {"tablet": 0, "desktop": 0}  # no scrolling sideways at either
    shoot(page, "tallies-fengjie")

    with page.expect_download() as info:
        page.get_by_role("button", name="导出 XLSX").click()
    download = info.value
    assert download.suggested_filename == f"销售统计-{this_year()}.xlsx"
    book = load_workbook(io.BytesIO(download.path().read_bytes()))
    lines = list(book["销售统计"].iter_rows(values_only=True))
    assert lines[0] == ("产地县代码", "产地县", "渠道", "笔数", "数量", "净重（千克）", "金额（元）")
    assert [(line[0], line[1], line[2], line[3], fen(line[6])) for line in lines[1:-1]] == [
        (r["origin_county"], r["origin_county_name"], r["channel_name"], r["entries"], r["amount_fen"])
        for r in rows
    ]
    assert lines[-1][0] == "合计" and fen(lines[-1][6]) == total["amount_fen"]
    assert lines[-1][3] == total["entries"]


def test_grouped_by_month_the_explorer_draws_lines_and_speaks_english(page, officer, shoot):
    months = officer.get(f"/tallies?group_by=month,channel&year={this_year()}")
    enter_explorer(page, officer)
    page.get_by_text("EN", exact=True).click()
    expect(page.get_by_role("heading", name="Tallies")).to_be_visible()
    # The rows as shown are asked for again, the API naming the channels in English.
    expect(page.locator(".el-table__body-wrapper").get_by_text("Online shop").first).to_be_visible()
    choose(page, "Group by")
    page.get_by_role("option", name="Month", exact=True).click()
    expect(page.locator(".el-table__body-wrapper td.yuan")).to_have_text(
        [yuan(m["amount_fen"]) for m in months[:20]]  # the first page of the table
    )
    expect(page.get_by_role("img", name="Sales by month")).to_be_visible()
    page.keyboard.press("Escape")
    shoot(page, "tallies-months-en")
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="销售统计")).to_be_visible()
