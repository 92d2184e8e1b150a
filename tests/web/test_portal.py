"""The agencies' procurement portal as their staff meet it, in Chromium: a lead unit's approver sees
the year's reserved-share standing with the API's figures in 万元, its units ranked, downloads the
XLSX for the finance office and approves a purchase order from the inbox; a unit's purchaser files
the year's budget and share, the API's refusal shown on its field. Phone and desktop screenshots of
each page, free of console errors (the page fixture)."""

import io
import re
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from marketplace.timeutil import china_today
from tests.web.test_dashboard import sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

APPROVER = ("approver@demo.test", "demo-agency-pass")
PURCHASER = ("purchaser@demo.test", "demo-agency-pass")
LEAD, DESK = "山东省农业农村厅", "山东省农业农村厅机关服务中心"
YEAR = china_today().year
FIGURES = {
    "budget": "budget_fen",
    "reserved": "reserved_fen",
    "purchased": "purchased_fen",
    "gap": "gap_fen",
    "expected": "expected_by_now_fen",
}
PACES = {"achieved": "已完成", "on_track": "进度正常", "behind": "进度滞后", "missed": "未完成"}


def wan(fen: int) -> str:
    """Fen in 万元 as the page writes them: 1234567 -> "1.23 万元"."""
    figure = (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{figure:,.2f} 万元"


def agency_id(member, name: str) -> int:
    memberships = [m["agency_id"] for m in member.get("/me")["memberships"] if m["kind"] == "agency"]
    return next(i for i in memberships if member.get(f"/agencies/{i}")["name"] == name)


def submitted_order(purchaser) -> dict:
    """A purchase order over the first approval tier (¥10,000), drafted and submitted by the API."""
    product = next(
        p
        for p in purchaser.get("/products?certified=true&sort=-price_fen&page_size=50")
        if p["stock"] * p["price_fen"] >= 1_000_000
    )
    quantity = -(-1_000_000 // product["price_fen"])
    order = purchaser.get_or_post(
        "POST",
        "/purchase-orders",
        json={
            "agency_id": agency_id(purchaser, DESK),
            "lines": [{"product_id": product["id"], "quantity": quantity}],
            "delivery_address": "济南市历下区解放路 机关食堂",
        },
    )
    return purchaser.get_or_post("POST", f"/purchase-orders/{order['id']}/submit", json={})


def test_lead_units_approver_sees_the_standing_exports_it_and_approves(page, api, shoot):
    approver = api(*APPROVER)
    lead = agency_id(approver, LEAD)
    standing = approver.get(f"/agencies/{lead}/quota?year={YEAR}&rank=gap")
    order = submitted_order(api(*PURCHASER))

    sign_in(page, APPROVER)
    page.get_by_role("menuitem", name="采购门户").click()
    expect(page).to_have_url(re.compile(r"/portal$"))
    expect(page.get_by_role("heading", name=f"{YEAR} 年预留份额完成情况")).to_be_visible()
    expect(page.locator(".standing h2")).to_have_text(f"{LEAD}（含下属单位）")
    for figure, key in FIGURES.items():
        expect(page.locator(f'[data-figure="{figure}"]')).to_have_text(wan(standing[key]))
    expect(page.locator(".standing .el-tag")).to_have_text(PACES[standing["pace"]])
    expect(page.locator(".standing canvas")).to_be_visible()
    rows = page.locator(".ranked .el-table__body tr")
    expect(rows).to_have_count(len(standing["units"]))
    for index, unit in enumerate(standing["units"]):
        expect(rows.nth(index).locator("td").first).to_have_text(str(unit["rank"]))
        expect(rows.nth(index)).to_contain_text(unit["name"])
        expect(rows.nth(index)).to_contain_text(wan(unit["gap_fen"]))
    shoot(page, "portal-quota")

    page.locator(".el-radio-button", has_text="按完成率（从低到高）").click()
    by_completion = approver.get(f"/agencies/{lead}/quota?year={YEAR}&rank=completion")
    expect(rows.first).to_contain_text(by_completion["units"][0]["name"])
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 XLSX").click()
    assert download.value.suggested_filename == f"预留份额完成情况-{YEAR}-{lead}.xlsx"
    with open(download.value.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:3] == ("排名", "单位", "食堂食材预算（万元）")
    assert [row[1] for row in cells[1:-1]] == [u["name"] for u in by_completion["units"]]
    total = cells[-1]
    assert total[0] == "合计"
    assert [f"{Decimal(str(v)):,.2f} 万元" for v in (total[2], total[4], total[5], total[6])] == [
        wan(standing[k]) for k in ("budget_fen", "reserved_fen", "purchased_fen", "gap_fen")
    ]

    page.get_by_role("menuitem", name="待我审批").click()
    expect(page).to_have_url(re.compile(r"/portal/approvals$"))
    card = page.locator(f'[data-order-id="{order["id"]}"]')
    expect(card).to_contain_text(f"采购单 #{order['id']}")
    expect(card).to_contain_text("第 1 级审批（共 1 级）")
    expect(card).to_contain_text(DESK)
    expect(card).to_contain_text(f"¥{order['total_fen'] // 100:,}.{order['total_fen'] % 100:02d}")
    expect(card).to_contain_text(f"{order['lines'][0]['product_name']} × {order['lines'][0]['quantity']}")
    shoot(page, "portal-approvals")
    card.get_by_role("button", name="驳回").click()
    expect(card.get_by_role("alert")).to_have_text("驳回时请填写理由（至少 2 个字）。")
    card.get_by_role("textbox").fill("同意采购，请按时送达")
    card.get_by_role("button", name="通过").click()
    expect(page.get_by_text(f"采购单 #{order['id']} 已通过本级审批。")).to_be_visible()
    expect(card).to_have_count(0)  # the list updates
    assert approver.get(f"/purchase-orders/{order['id']}")["status"] == "approved"


def test_a_unit_files_its_budget_and_share_and_sees_the_apis_refusal_on_its_field(page, api, console, shoot):
    console.allow(r"status of 422")  # the refusal this test asks for
    purchaser = api(*PURCHASER)
    desk = agency_id(purchaser, DESK)
    filed = purchaser.get(f"/agencies/{desk}/filings/{YEAR}")
    sign_in(page, PURCHASER)
    page.get_by_role("menuitem", name="采购门户").click()  # once signed in
    page.get_by_role("menuitem", name="年度填报").click()
    expect(page).to_have_url(re.compile(r"/portal/filing$"))
    expect(page.get_by_role("heading", name=f"{YEAR} 年度预留份额填报")).to_be_visible()
    expect(page.locator(".filed")).to_contain_text("已填报")
    expect(page.locator(".filed")).to_contain_text(f"食堂食材预算 {wan(filed['food_budget_fen'])}")

    budget, share = page.get_by_label("年度食堂食材预算（元）"), page.get_by_label("预留比例（%）")
    expect(budget).to_have_value(str(filed["food_budget_fen"] // 100))  # whole yuan as filed
    budget.fill("八百万")
    share.fill("8")
    page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_text("请填写金额（元），最多两位小数。")).to_be_visible()
    budget.fill(f"{filed['food_budget_fen'] // 100:,}.{filed['food_budget_fen'] % 100:02d}")
    page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_text("本省要求至少 10%。")).to_be_visible()  # the API's, on its field
    unchanged = purchaser.get(f"/agencies/{desk}/filings/{YEAR}")
    assert unchanged["reserved_share_bp"] == filed["reserved_share_bp"]
    shoot(page, "portal-filing-error")

    share.fill(str(filed["reserved_share_bp"] / 100).removesuffix(".0"))
    page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_text(f"{YEAR} 年度填报已提交。")).to_be_visible()
    now = purchaser.get(f"/agencies/{desk}/filings/{YEAR}")
    assert (now["food_budget_fen"], now["reserved_share_bp"], now["status"]) == (
        filed["food_budget_fen"],
        filed["reserved_share_bp"],
        "filed",
    )
    page.locator(".el-radio", has_text="无食堂").click()
    expect(budget).to_have_count(0)
    expect(page.get_by_label("说明")).to_be_visible()
    shoot(page, "portal-filing")
