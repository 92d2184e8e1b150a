"""A purchase order through the portal, in Chromium on the embedded default with the demo data: the
purchaser drafts it, downloads the template, fills 500 rows (two of them wrong) with openpyxl,
uploads it and watches the import's progress bar finish, reads the two bad rows named by row and
column in Chinese, fixes them, imports again and submits; the approval, the supplier's confirmation
and shipment go through the API; the purchaser records the receipt (one line short) on the page,
the supplier records its invoice there, an admin the bank transfer, and the order's one timeline
shows every step. Phone and desktop screenshots of the pages, free of console errors."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.web.test_dashboard import ADMIN, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

PURCHASER = ("purchaser@demo.test", "demo-agency-pass")
APPROVER = ("approver@demo.test", "demo-agency-pass")
SUPPLIER = ("supplier@demo.test", "demo-supplier-pass")
ROWS = 500
BAD_QUANTITY_ROW, BAD_PRODUCT_ROW = 41, 302  # spreadsheet rows (the header is row 1)


def signed_in(page, account) -> None:
    """Sign in, and wait until the app has taken the user in (it leaves the sign-in page)."""
    sign_in(page, account)
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def switch_to(page, account) -> None:
    """Sign out (the token lives in the tab's sessionStorage) and in as another account."""
    page.evaluate("sessionStorage.clear()")
    signed_in(page, account)


def filled(template: bytes, products: list[int], bad: bool) -> bytes:
    """The downloaded template with ROWS rows of the supplier's products (one unit each), two of
    them wrong if `bad`."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in range(2, ROWS + 2):
        sheet.cell(row, 1, products[row % len(products)])
        sheet.cell(row, 3, 1)
    if bad:
        sheet.cell(BAD_QUANTITY_ROW, 3, "十箱")
        sheet.cell(BAD_PRODUCT_ROW, 1, 99_999_999)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, data: bytes) -> None:
    page.get_by_label("选择 XLSX 或 CSV 文件").set_input_files(
        {"name": "采购明细.xlsx", "mimeType": "application/octet-stream", "buffer": data}
    )
    page.get_by_role("button", name="上传并导入").click()


def test_a_purchaser_imports_500_rows_fixes_two_and_the_order_is_received_invoiced_and_paid(page, api, shoot):
    purchaser, supplier = api(*PURCHASER), api(*SUPPLIER)
    memberships = supplier.get("/me")["memberships"]
    supplier_id = next(m["supplier_id"] for m in memberships if m["kind"] == "supplier")
    # One unit a row, spread over the supplier's products with stock enough for their share.
    listed = purchaser.get(f"/products?supplier_id={supplier_id}&page_size=100")
    products = [p["id"] for p in listed if p["stock"] >= ROWS // 5][:10]
    assert len(products) >= 5, listed

    signed_in(page, PURCHASER)
    page.goto("/portal/orders")
    expect(page.get_by_role("heading", name="采购单")).to_be_visible()
    expect(page.locator(".el-table__row").first).to_be_visible()
    shoot(page, "portal-orders")
    page.get_by_role("button", name="新建采购单").click()
    page.get_by_label("收货地址").fill("济南市历下区解放路 机关食堂")
    page.get_by_role("button", name="创建草稿").click()
    expect(page).to_have_url(re.compile(r"/portal/orders/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_text("草稿", exact=True)).to_be_visible()

    with page.expect_download() as downloading:
        page.get_by_role("button", name="下载导入模板").click()
    template = downloading.value.path().read_bytes()
    assert openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]["A1"].value == "商品编号"

    upload(page, filled(template, products, bad=True))
    expect(page.get_by_role("status")).to_have_text(f"导入失败：{ROWS} 行中有 2 行无法导入，未做任何改动。")
    bad = page.locator(".bad-rows .el-table__row")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text(f"{BAD_QUANTITY_ROW}数量不是 1 至 1,000,000 的整数：“十箱”。")
    expect(bad.nth(1)).to_contain_text(f"{BAD_PRODUCT_ROW}商品编号")
    expect(bad.nth(1)).to_contain_text("“99999999”的在售商品不存在")
    shoot(page, "portal-order-import-errors")

    upload(page, filled(template, products, bad=False))
    expect(page.get_by_role("status")).to_have_text(re.compile(rf"导入完成：{ROWS} 行，合并为 \d+ 项明细。"))
    expect(page.locator(".el-progress.is-success")).to_be_visible()  # the bar ran to its end
    lines = purchaser.get(f"/purchase-orders/{order_id}")["lines"]
    assert sum(line["quantity"] for line in lines) == ROWS
    shoot(page, "portal-order-imported")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator(".head").get_by_text("待审批")).to_be_visible()

    approver = api(*APPROVER)
    approver.get_or_post("POST", f"/purchase-orders/{order_id}/approve", json={"comment": "同意采购"})
    supplier.get_or_post("POST", f"/purchase-orders/{order_id}/confirm", json={"declined_line_ids": []})
    shipment = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    supplier.get_or_post("POST", f"/purchase-orders/{order_id}/ship", json=shipment)

    page.reload()
    expect(page.locator(".head").get_by_text("已发货")).to_be_visible()
    first = lines[0]
    received = page.get_by_label(f"实收数量 {first['product_name']}")
    received.fill(str(first["quantity"] - 1))
    received.press("Tab")
    page.get_by_role("button", name="登记到货").click()
    expect(page.locator(".head").get_by_text("已到货")).to_be_visible()

    switch_to(page, SUPPLIER)
    page.goto(f"/portal/orders/{order_id}")
    page.get_by_label("发票号码").fill("26372000000012345678")
    page.get_by_role("button", name="登记发票").click()
    expect(page.locator(".head").get_by_text("已开票")).to_be_visible()

    switch_to(page, ADMIN)
    page.goto(f"/portal/orders/{order_id}")
    owed = purchaser.get(f"/purchase-orders/{order_id}")["parts"][0]["invoice_amount_fen"]
    expect(page.get_by_text(f"待付：¥{owed // 100:,}.{owed % 100:02d}")).to_be_visible()
    page.get_by_label("银行流水号").fill("HX20261203000123")
    page.get_by_role("button", name="登记转账").click()
    # Paying writes the ledger's entries and the quota's: the slowest step, under a loaded machine too.
    expect(page.locator(".head").get_by_text("已付款")).to_be_visible(timeout=30_000)

    timeline = page.locator(".timeline")
    for step in (
        "起草采购单",
        "导入明细",
        "提交审批",
        "审批通过（第 1 级）",
        "供应商确认",
        "供应商发货",
        "运单号 SF1234567890",
        "登记到货",
        f"明细 {first['id']} 少 1",
        "供应商开票",
        "发票号码 26372000000012345678",
        "银行转账到账",
        "流水号 HX20261203000123",
        "付清",
    ):
        expect(timeline).to_contain_text(step)
    shoot(page, "portal-order-paid")
