"""The agency's whole story in Chromium on the embedded default with the demo data, every step on a
page: the purchaser drafts an order, downloads the template, fills 500 rows of one supplier's
certified products with openpyxl (two of them wrong: quantity 0, an unknown product), uploads it and
watches the progress bar, reads the two bad rows named by row number and column in Chinese,
re-uploads the corrected file and submits; the approver approves on the order's own page; the
supplier confirms and ships from the workbench; the purchaser records the receipt (one line short);
the supplier records its invoice with the e-invoice file, which the purchaser downloads from the
timeline; an admin records the bank transfer. The agency's quota standing and the ¥30M target of
Chongqing's sales to Shandong then move by exactly the paid amount, in fen."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from marketplace.timeutil import china_today
from tests.web.test_dashboard import ADMIN
from tests.web.test_purchasing import APPROVER, PURCHASER, signed_in, switch_to

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

# Not the supplier tests/web/test_purchasing.py buys 500 units from, whose stock this story would
# take below what that test needs.
SUPPLIER = ("supplier2@demo.test", "demo-supplier-pass")  # 巫山县脆李专业合作社
ROWS = 500
ZERO_ROW, UNKNOWN_ROW = 77, 415  # spreadsheet rows (the header is row 1)
UNKNOWN_PRODUCT = 88_888_888
E_INVOICE = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def workbook(template: bytes, products: list[int], bad: bool) -> bytes:
    """The downloaded template with ROWS rows of `products`, one unit each; two wrong if `bad`."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in range(2, ROWS + 2):
        sheet.cell(row, 1, products[row % len(products)])
        sheet.cell(row, 3, 1)
    if bad:
        sheet.cell(ZERO_ROW, 3, 0)
        sheet.cell(UNKNOWN_ROW, 1, UNKNOWN_PRODUCT)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_file(page, data: bytes) -> None:
    page.get_by_label("选择 XLSX 或 CSV 文件").set_input_files(
        {"name": "采购明细.xlsx", "mimeType": "application/octet-stream", "buffer": data}
    )
    expect(page.get_by_text("采购明细.xlsx")).to_be_visible()  # the chooser names the file, in Chinese
    page.get_by_role("button", name="上传并导入").click()
    # The bar shows while the job runs and stays with how it ended.
    expect(page.get_by_role("progressbar")).to_be_visible()


def status_is(page, name: str, timeout: float = 10_000) -> None:
    expect(page.locator(".head").get_by_text(name, exact=True)).to_be_visible(timeout=timeout)


def shandong_target(admin) -> dict:
    """This year's ¥30M of Chongqing's products sold to Shandong (seed 000), as the API tallies it."""
    name = f"{china_today().year} 年重庆农产品销往山东 3000 万元"
    return next(p for p in admin.get("/targets/progress?page_size=100") if p["name"] == name)


def test_the_agency_story_from_template_to_paid_moves_the_quota_and_the_target_by_the_paid_amount(
    page, api, shoot
):
    purchaser, supplier, admin = api(*PURCHASER), api(*SUPPLIER), api(*ADMIN)
    supplier_id = next(
        m["supplier_id"] for m in supplier.get("/me")["memberships"] if m["kind"] == "supplier"
    )
    listed = purchaser.get(f"/products?supplier_id={supplier_id}&certified=true&page_size=100")
    # Spread over the products with stock well over their share of the rows (a third, at most).
    products = [p["id"] for p in listed if p["stock"] >= ROWS * 3 // 5][:8]
    assert len(products) >= 3, listed
    agency_id = next(m["agency_id"] for m in purchaser.get("/me")["memberships"] if m["kind"] == "agency")
    quota_before = purchaser.get(f"/agencies/{agency_id}/quota")["purchased_fen"]
    target_before = shandong_target(admin)["achieved_fen"]

    # The purchaser: the quota page, then a draft, its template, a file with two bad rows.
    signed_in(page, PURCHASER)
    page.goto("/portal")
    expect(page.locator('[data-figure="purchased"]').first).to_be_visible()
    shoot(page, "story-1-quota-before")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/portal/orders/new")
    page.get_by_label("收货地址").fill("济南市历下区解放路 机关食堂")
    page.get_by_role("button", name="创建草稿").click()
    expect(page).to_have_url(re.compile(r"/portal/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_text("未选择文件")).to_be_visible()  # not the browser's "No file chosen"
    shoot(page, "story-2-draft")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="下载导入模板").click()
    template = downloading.value.path().read_bytes()

    import_file(page, workbook(template, products, bad=True))
    expect(page.get_by_role("status")).to_have_text(f"导入失败：{ROWS} 行中有 2 行无法导入，未做任何改动。")
    bad = page.locator(".bad-rows .el-table__row")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text(f"{ZERO_ROW}数量不是 1 至 1,000,000 的整数：“0”。")
    expect(bad.nth(1)).to_contain_text(f"{UNKNOWN_ROW}商品编号")
    expect(bad.nth(1)).to_contain_text(f"“{UNKNOWN_PRODUCT}”的在售商品不存在")
    expect(page.locator(".el-progress.is-exception")).to_be_visible()
    shoot(page, "story-3-import-errors")

    import_file(page, workbook(template, products, bad=False))
    expect(page.get_by_role("status")).to_have_text(re.compile(rf"导入完成：{ROWS} 行，合并为 \d+ 项明细。"))
    expect(page.locator(".el-progress.is-success")).to_be_visible()
    shoot(page, "story-4-imported")
    page.get_by_role("button", name="提交审批").click()
    status_is(page, "待审批")
    order = purchaser.get(f"/purchase-orders/{order_id}")
    assert sum(line["quantity"] for line in order["lines"]) == ROWS
    assert all(line["counts_toward_share"] for line in order["lines"])

    # The approver, on the order's own page.
    switch_to(page, APPROVER)
    page.goto(f"/portal/orders/{order_id}")
    decision = page.locator(".decision")
    expect(decision.get_by_text(f"第 1 级审批（共 {order['approvals_required']} 级）")).to_be_visible()
    decision.get_by_role("textbox").fill("同意采购，请按期送达")
    shoot(page, "story-5-approve")
    decision.get_by_role("button", name="通过").click()
    status_is(page, "待供应商确认")
    expect(page.locator(".decision")).to_have_count(0)

    # The supplier, from the workbench: confirm every line, then ship.
    switch_to(page, SUPPLIER)
    page.goto("/workbench")
    page.get_by_role("link", name="供货订单").click()
    page.get_by_role("link", name=str(order_id), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/portal/orders/{order_id}$"))
    confirm = page.get_by_role("button", name="确认供货")
    expect(confirm).to_be_visible()
    shoot(page, "story-6-supplier-confirm")
    confirm.click()
    status_is(page, "待发货")
    page.get_by_label("承运商").fill("顺丰速运")
    page.get_by_label("运单号").fill("SF7788990011")
    page.get_by_role("button", name="确认发货").click()
    status_is(page, "已发货")

    # The purchaser records the receipt, the first line one short.
    switch_to(page, PURCHASER)
    page.goto(f"/portal/orders/{order_id}")
    first = order["lines"][0]
    received = page.get_by_label(f"实收数量 {first['product_name']}")
    received.fill(str(first["quantity"] - 1))
    received.press("Tab")
    shoot(page, "story-7-receipt")
    page.get_by_role("button", name="登记到货").click()
    status_is(page, "已到货")

    # The supplier's invoice, with its e-invoice file.
    switch_to(page, SUPPLIER)
    page.goto(f"/portal/orders/{order_id}")
    page.get_by_label("发票号码").fill("37002600009876")
    page.get_by_label("选择电子发票文件").set_input_files(
        {"name": "发票37002600009876.pdf", "mimeType": "application/pdf", "buffer": E_INVOICE}
    )
    expect(page.get_by_text("发票37002600009876.pdf")).to_be_visible()
    shoot(page, "story-8-invoice")
    page.get_by_role("button", name="登记发票").click()
    status_is(page, "已开票")
    owed = purchaser.get(f"/purchase-orders/{order_id}")["parts"][0]
    assert owed["invoice_file_type"] == "application/pdf"
    expected_fen = order["total_fen"] - first["unit_price_fen"]
    assert owed["invoice_amount_fen"] == expected_fen

    # The purchaser finds the e-invoice on the timeline.
    switch_to(page, PURCHASER)
    page.goto(f"/portal/orders/{order_id}")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("发票号码 37002600009876")
    with page.expect_download() as downloading:
        timeline.get_by_role("button", name="下载电子发票").click()
    assert downloading.value.suggested_filename == "fapiao-37002600009876.pdf"
    assert downloading.value.path().read_bytes() == E_INVOICE

    # The admin records the bank transfer of what is owed.
    switch_to(page, ADMIN)
    page.goto(f"/portal/orders/{order_id}")
    expect(page.get_by_text(f"待付：¥{expected_fen // 100:,}.{expected_fen % 100:02d}")).to_be_visible()
    page.get_by_label("银行流水号").fill("ICBC20261204000777")
    shoot(page, "story-9-transfer")
    page.get_by_role("button", name="登记转账").click()
    status_is(page, "已付款", timeout=30_000)
    for step in (
        "审批通过（第 1 级）",
        "同意采购，请按期送达",
        "运单号 SF7788990011",
        f"明细 {first['id']} 少 1",
    ):
        expect(page.locator(".timeline")).to_contain_text(step)
    expect(page.locator(".timeline").get_by_role("button", name="下载电子发票")).to_be_visible()
    shoot(page, "story-10-paid")

    paid = admin.get(f"/purchase-orders/{order_id}")["paid_fen"]
    assert paid == expected_fen
    assert purchaser.get(f"/agencies/{agency_id}/quota")["purchased_fen"] - quota_before == paid
    assert shandong_target(admin)["achieved_fen"] - target_before == paid

    # The purchaser's quota page shows the standing moved.
    switch_to(page, PURCHASER)
    page.goto("/portal")
    expect(page.locator('[data-figure="purchased"]').first).to_be_visible()
    shoot(page, "story-11-quota-after")


def test_an_approver_rejects_on_the_order_page_only_saying_why(page, api):
    purchaser = api(*PURCHASER)
    agency_id = next(m["agency_id"] for m in purchaser.get("/me")["memberships"] if m["kind"] == "agency")
    product = max(purchaser.get("/products?certified=true&page_size=100"), key=lambda p: p["stock"])
    quantity = 1_000_000 // product["price_fen"] + 1  # over ¥10,000: the approvers' first tier
    draft = {
        "agency_id": agency_id,
        "lines": [{"product_id": product["id"], "quantity": quantity}],
        "delivery_address": "济南市历下区解放路 机关食堂",
    }
    order_id = purchaser.get_or_post("POST", "/purchase-orders", json=draft)["id"]
    purchaser.get_or_post("POST", f"/purchase-orders/{order_id}/submit", json={})

    signed_in(page, APPROVER)
    page.goto(f"/portal/orders/{order_id}")
    decision = page.locator(".decision")
    decision.get_by_role("button", name="驳回").click()
    expect(decision.get_by_role("alert")).to_have_text("驳回时请填写理由（至少 2 个字）。")
    status_is(page, "待审批")
    decision.get_by_role("textbox").fill("超出本季度预算，请分批采购")
    decision.get_by_role("button", name="驳回").click()
    status_is(page, "已驳回")
    expect(page.locator(".decision")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("超出本季度预算，请分批采购")
    assert purchaser.get(f"/purchase-orders/{order_id}")["status"] == "rejected"
