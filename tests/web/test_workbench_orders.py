"""The workbench's orders, after-sales, fapiao and sales pages as a demo supplier's member meets them,
in Chromium at phone size: a buyer's order placed and paid through the API (the development
gateway), then on the pages the member ships it with a tracking number, accepts the buyer's
partial-refund request, uploads the e-invoice, and reads the month's sales moved by exactly the
amount paid less the refund. Phone and desktop screenshots of each; no console errors (the page
fixture)."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.web.harness import PHONE
from tests.web.test_dashboard import sign_in
from tests.web.test_ledger import yuan

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

SUPPLIER = ("supplier@demo.test", "demo-supplier-pass")
BUYER = ("buyer@demo.test", "demo-buyer-pass")
ADDRESS = {
    "region_code": "370102",
    "detail": "泉城路 18 号 2 单元 501",
    "recipient": "王芳",
    "phone": "13905310000",
}
PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 48, height: int = 48) -> bytes:
    """A small orange square, a real PNG the browser draws (the buyer's photo of what arrived)."""
    rows = (b"\x00" + b"\xe6\x7e\x22" * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def paid_order(api):
    """The buyer's order of two units of the supplier's product, paid; a request for one back, with
    a photo; a fapiao asked for. Returns what the pages should show."""
    member, buyer = api(*SUPPLIER), api(*BUYER)
    supplier_id = next(m["supplier_id"] for m in member.get("/me")["memberships"] if m["kind"] == "supplier")
    product = next(
        p for p in member.get(f"/products?supplier_id={supplier_id}&page_size=100") if p["stock"] >= 4
    )
    sales_before = member.get(f"/suppliers/{supplier_id}/sales")
    order = buyer.get_or_post(
        "POST",
        "/orders",
        json={
            "items": [{"product_id": product["id"], "quantity": 2}],
            "shipping_address": ADDRESS,
            "payment_method": "alipay",
        },
    )
    buyer.get_or_post("POST", f"/dev/orders/{order['id']}/confirm-payment", json={"succeed": True})
    line = order["lines"][0]
    asked = buyer.get_or_post(
        "POST",
        f"/orders/{order['id']}/after-sales",
        json={"lines": [{"line_id": line["id"], "quantity": 1}], "reason": "一箱到货时压坏了，附照片"},
    )
    buyer.get_or_post(
        "POST", f"/after-sales/{asked['id']}/photos", files={"file": ("crushed.png", png(), "image/png")}
    )
    buyer.get_or_post(
        "POST",
        f"/fulfilments/{order['fulfilments'][0]['id']}/fapiao",
        json={"title": "济南市历下区泉城路小学", "tax_id": "12370102MB1234567X"},
    )
    return {
        "member": member,
        "supplier_id": supplier_id,
        "order": order,
        "request": asked,
        "refund_fen": line["unit_price_fen"],
        "sales_before": sales_before,
    }


def nav(page, name: str):
    return page.get_by_role("navigation", name="工作台导航").get_by_role("link", name=name, exact=True)


def card(page, order_id: int):
    return page.locator(".card").filter(has_text=re.compile(rf"订单 {order_id}(\D|$)"))


def test_supplier_ships_refunds_invoices_and_sees_the_months_sales(page, paid_order, shoot):
    order, member = paid_order["order"], paid_order["member"]
    page.set_viewport_size(PHONE)
    sign_in(page, SUPPLIER)
    expect(page).not_to_have_url(re.compile(r"/sign-in"))
    page.goto("/workbench/orders")
    expect(page.get_by_role("heading", name="订单发货")).to_be_visible()
    part = card(page, order["id"])
    expect(part).to_contain_text("待发货")
    expect(part).to_contain_text(f"合计 {yuan(order['total_fen'])}")
    expect(part).to_contain_text("王芳，13905310000")
    expect(part).to_contain_text("山东省济南市历下区 泉城路 18 号 2 单元 501")
    part.get_by_label("快递公司").fill("顺丰速运")
    part.get_by_label("快递单号").fill("SF 1234")
    part.get_by_role("button", name="发货").click()
    expect(part.get_by_role("alert")).to_contain_text("快递单号为字母和数字")
    part.get_by_label("快递单号").fill("SF1234567890123")
    shoot(page, "workbench-orders")
    part.get_by_role("button", name="发货").click()
    expect(page.get_by_text(f"订单 {order['id']} 已发货")).to_be_visible()
    page.locator(".filter").get_by_text("已发货").click()
    expect(card(page, order["id"])).to_contain_text("顺丰速运 SF1234567890123")

    nav(page, "售后").click()
    request = card(page, order["id"])
    refund = yuan(paid_order["refund_fen"])
    expect(request).to_contain_text("一箱到货时压坏了")
    expect(request).to_contain_text(f"退款金额 {refund}")
    expect(request.get_by_role("img", name="照片 1")).to_be_visible()
    shoot(page, "workbench-after-sales")
    request.get_by_role("button", name="同意退款").click()
    page.get_by_role("button", name=f"确认退款 {refund}").click()
    expect(page.get_by_text(f"已同意，向买家退款 {refund}")).to_be_visible()
    answered = member.get(f"/after-sales/{paid_order['request']['id']}")
    assert (answered["status"], answered["refund_status"]) == ("accepted", "succeeded")

    nav(page, "发票").click()
    fapiao = card(page, order["id"])
    expect(fapiao).to_contain_text("济南市历下区泉城路小学")
    expect(fapiao.locator("dd.money")).to_have_text(yuan(order["total_fen"] - paid_order["refund_fen"]))
    fapiao.get_by_label("发票号码").fill("26372000000087654321")
    fapiao.get_by_label("电子发票文件（PDF 或 OFD）").set_input_files(
        {"name": "fapiao.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    shoot(page, "workbench-fapiao")
    fapiao.get_by_role("button", name="上传电子发票").click()
    expect(page.get_by_text("发票 26372000000087654321 已上传")).to_be_visible()
    issued = [f for f in member.get("/fapiao?status=issued") if f["order_id"] == order["id"]]
    assert [f["invoice_no"] for f in issued] == ["26372000000087654321"]

    nav(page, "销售统计").click()
    sales = member.get(f"/suppliers/{paid_order['supplier_id']}/sales")
    month = next(m for m in sales["by_month"] if m["month"] == today_month(page))
    before = next(m for m in paid_order["sales_before"]["by_month"] if m["month"] == month["month"])
    assert month["amount_fen"] - before["amount_fen"] == order["total_fen"] - paid_order["refund_fen"]
    expect(page.locator(".this-month")).to_have_text(yuan(month["amount_fen"]))
    expect(page.get_by_role("img", name=re.compile(r"\d{4} 年各月销售额柱状图"))).to_be_visible()
    expect(page.locator(".months tfoot")).to_contain_text(yuan(sales["amount_fen"]))
    shoot(page, "workbench-sales")


def today_month(page) -> str:
    return page.evaluate(
        "new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit'})"
        ".format(new Date()).slice(0, 7)"
    )
