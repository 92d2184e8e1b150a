"""The buyer's orders in Chromium on a phone: a paid order of two suppliers' products, one part
shipped, shows its carrier and tracking number; the buyer asks that supplier for part of it back with
a photo, the supplier accepts (through the API) and the page shows the refund; the buyer asks for the
fapiao, with the tax id checked as the API checks it, and downloads the e-invoice once it is issued;
the bell counts the parcel-shipped notification and the inbox marks it read. Phone (390x844) and
desktop screenshots of every page, free of console errors (the page fixture)."""

import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from tests.web.harness import PHONE

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

BUYER = ("buyer@demo.test", "demo-buyer-pass")
ORANGES = ("supplier@demo.test", "demo-supplier-pass")  # 奉节县脐橙专业合作社
PLUMS = ("supplier2@demo.test", "demo-supplier-pass")  # 巫山县脆李专业合作社
ADDRESS = {
    "region_code": "370102",
    "detail": "经十路 17703 号 3 单元 501",
    "recipient": "王芳",
    "phone": "13800138000",
}
USCC = "91370102MA3C4XYZ0K"
PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"


def png(width: int = 8, height: int = 6) -> bytes:
    """A small orange picture, as a phone's gallery would hand it over."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x8c\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def supplier_of(account) -> int:
    return next(m["supplier_id"] for m in account.get("/me")["memberships"] if m["kind"] == "supplier")


def a_product_of(account) -> dict:
    listed = account.get(f"/products?supplier_id={supplier_of(account)}&in_stock=true&page_size=50")
    return next(p for p in listed if p["stock"] >= 5)


def sign_in(page, account) -> None:
    page.goto("/sign-in")
    page.get_by_label("电子邮箱").fill(account[0])
    page.get_by_label("密码", exact=True).fill(account[1])
    page.get_by_role("button", name="登录").click()


def test_buyer_follows_a_shipped_order_asks_a_refund_and_a_fapiao_and_reads_the_bell(
    page, api, tmp_path, shoot
):
    buyer, oranges, plums = api(*BUYER), api(*ORANGES), api(*PLUMS)
    orange, plum = a_product_of(oranges), a_product_of(plums)
    buyer.get_or_post("POST", "/me/notifications/read-all")
    items = [{"product_id": orange["id"], "quantity": 2}, {"product_id": plum["id"], "quantity": 1}]
    order = buyer.get_or_post(
        "POST", "/orders", json={"items": items, "shipping_address": ADDRESS, "payment_method": "alipay"}
    )
    buyer.get_or_post("POST", f"/dev/orders/{order['id']}/confirm-payment", json={})
    part = next(f for f in order["fulfilments"] if f["supplier_id"] == supplier_of(oranges))
    oranges.get_or_post(
        "POST",
        f"/fulfilments/{part['id']}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF1409876543210"},
    )
    orange_line = next(line for line in order["lines"] if line["product_id"] == orange["id"])

    page.set_viewport_size(PHONE)
    sign_in(page, BUYER)
    bell = page.get_by_role("link", name="通知，1 条未读")
    expect(bell).to_be_visible()

    page.goto("/orders")
    card = page.locator(".card", has_text=re.compile(rf"订单号 {order['id']}(?!\d)"))
    expect(card).to_contain_text("已付款")
    expect(card).to_contain_text(re.compile(r"合计 ¥[\d,]+\.\d\d"))
    shoot(page, "orders-list")

    card.click()
    expect(page).to_have_url(re.compile(rf"/orders/{order['id']}$"))
    shipped = page.locator("section.part", has_text=orange["supplier_name"])
    expect(shipped.get_by_text("顺丰速运，运单号 SF1409876543210")).to_be_visible()
    expect(shipped.locator(".part-head")).to_contain_text("已发货")
    expect(
        page.locator("section.part", has_text=plum["supplier_name"]).locator(".part-head")
    ).to_contain_text("待发货")
    # One part is on its way: the order can no longer be cancelled, only refunded.
    expect(page.get_by_role("button", name="取消订单")).to_have_count(0)
    expect(page.locator(".ship-to")).to_contain_text("山东省济南市历下区 经十路 17703 号")
    shoot(page, "order-shipped")

    shipped.get_by_role("button", name="申请售后").click()
    dialog = page.get_by_role("dialog", name="申请售后退款")
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.get_by_role("alert")).to_have_text("请至少选择一件要退的商品。")
    dialog.locator(f"#ask-{orange_line['id']}").fill("1")
    dialog.get_by_label("退款原因").fill("收到时有一箱脐橙压坏了")
    dialog.locator("input[type=file]").set_input_files(
        [{"name": "broken.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(dialog.get_by_role("img", name="售后照片 1")).to_be_visible()
    shoot(page, "order-after-sales")
    dialog.get_by_role("button", name="提交").click()
    request = shipped.locator(".request")
    expect(request).to_contain_text("待商家处理")
    expect(request).to_contain_text("申请退款 ¥" + f"{orange_line['unit_price_fen'] / 100:,.2f}")
    expect(request.get_by_role("img", name="售后照片 1")).to_be_visible()

    asked = oranges.get(f"/after-sales?order_id={order['id']}")
    assert [len(r["photos"]) for r in asked] == [1] and asked[0]["photos"][0]["content_type"] == "image/jpeg"
    oranges.get_or_post("POST", f"/after-sales/{asked[0]['id']}/accept", json={"comment": "已同意，抱歉"})
    page.reload()
    expect(request).to_contain_text("商家已同意")
    expect(request).to_contain_text("已退款")
    expect(request).to_contain_text("商家答复：已同意，抱歉")
    refunded = buyer.get(f"/orders/{order['id']}")["refunded_fen"]
    assert refunded == orange_line["unit_price_fen"]
    expect(shipped.locator(".timeline")).to_contain_text(f"退款 ¥{refunded / 100:,.2f}")

    shipped.get_by_role("button", name="申请开票").click()
    dialog = page.get_by_role("dialog", name="申请开具发票")
    dialog.get_by_label("发票抬头").fill("济南市某某科技有限公司")
    dialog.get_by_label("税号（单位必填）").fill("12345")
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.get_by_text("税号应为 18 位统一社会信用代码")).to_be_visible()
    dialog.get_by_label("税号（单位必填）").fill(USCC.lower())
    dialog.get_by_label("接收邮箱").fill("caiwu@example.com")
    expect(dialog.get_by_text("税号应为 18 位统一社会信用代码")).to_have_count(0)
    shoot(page, "order-fapiao")
    dialog.get_by_role("button", name="提交").click()
    expect(shipped.locator(".fapiao")).to_contain_text("待开票")
    fapiao = oranges.get(f"/fapiao?order_id={order['id']}")[0]
    assert (fapiao["tax_id"], fapiao["email"]) == (USCC, "caiwu@example.com")
    oranges.get_or_post(
        "POST",
        f"/fapiao/{fapiao['id']}/invoice",
        data={"invoice_no": "26372000000012345678"},
        files={"file": ("invoice.pdf", PDF, "application/pdf")},
    )
    page.reload()
    expect(shipped.locator(".fapiao")).to_contain_text("发票号码 26372000000012345678")
    with page.expect_download() as downloaded:
        shipped.get_by_role("button", name="下载电子发票").click()
    assert downloaded.value.suggested_filename == "fapiao-26372000000012345678.pdf"
    shoot(page, "order-refunded")

    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    shipped_note = page.locator(".item", has_text=f"发出您的订单 {order['id']}，")
    expect(shipped_note).to_contain_text("您的包裹已发出")
    expect(shipped_note).to_contain_text("SF1409876543210")
    shoot(page, "notifications")
    shipped_note.get_by_role("button", name="标为已读").click()
    expect(shipped_note.get_by_role("button", name="标为已读")).to_have_count(0)
    expect(page.get_by_role("link", name="通知", exact=True)).to_be_visible()
    assert buyer.get("/me/notifications/unread-count") == {"unread": 0}
    shipped_note.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order['id']}$"))
