"""The cart, checkout, payment and address book as a new buyer meets them, in Chromium: signing up
from the product page and coming back to it, two products of two suppliers in the cart, an address
in 济南市历下区 saved at checkout, the order paid on the development gateway and seen paid per
supplier; then the address book. Phone (390x844) and desktop screenshots of each page, free of
console errors and CSP violations (the page fixture)."""

import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.web.harness import PHONE

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

PASSWORD = "Qiancheng-shop-2026!"
FENGJIE = {"region_code": "500236", "detail": "永安街道 8 号", "recipient": "李强", "phone": "13900001111"}


def two_suppliers_products(base_url: str) -> list[dict]:
    """Two products in stock, of two suppliers, as the public catalog lists them."""
    answer = requests.get(f"{base_url}/api/v1/products?in_stock=true&page_size=50", timeout=30)
    answer.raise_for_status()
    chosen: dict[int, dict] = {}
    for product in answer.json():
        if product["stock"] >= 3 and product["supplier_id"] not in chosen:
            chosen[product["supplier_id"]] = product
    assert len(chosen) >= 2
    return list(chosen.values())[:2]


def pick_region(page, *path: str) -> None:
    """Opens the region picker and goes down the tree by name, opening each level, picking the last."""
    page.get_by_role("combobox", name="所在地区").click(force=True)
    for name in path[:-1]:
        tree_node(page, name).locator(".el-tree-node__expand-icon").first.click()
    page.get_by_role("option", name=path[-1], exact=True).click()


def tree_node(page, name: str):
    return page.get_by_role("treeitem", name=name, exact=True)


def test_new_buyer_signs_up_fills_the_cart_pays_and_keeps_an_address_book(page, web_server, api, shoot):
    first, second = two_suppliers_products(web_server)
    email = f"buyer-{uuid.uuid4().hex[:10]}@example.test"
    page.set_viewport_size(PHONE)

    # A visitor adds to the cart: sent to sign in, on to sign up, and back with the product added.
    page.goto(f"/products/{first['id']}")
    page.get_by_role("button", name="加入购物车").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_role("link", name="还没有账号？注册").click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    page.get_by_label("昵称").fill("泉城买家")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="注册并登录").click()
    expect(page).to_have_url(re.compile(rf"/products/{first['id']}$"))
    expect(page.get_by_role("status")).to_contain_text("已加入购物车")
    badge = page.get_by_role("link", name=re.compile(r"^购物车，"))
    expect(badge).to_have_accessible_name("购物车，1 件商品")

    page.goto(f"/products/{second['id']}")
    page.get_by_role("button", name="加入购物车").click()
    expect(page.get_by_role("status")).to_contain_text("已加入购物车")
    expect(badge).to_have_accessible_name("购物车，2 件商品")

    # The cart, per supplier as the order will be split; a stepper up by one.
    badge.click()
    expect(page.get_by_role("heading", name="购物车")).to_be_visible()
    expect(page.get_by_text("订单将按供应商拆分")).to_be_visible()
    expect(page.get_by_role("heading", name=first["supplier_name"])).to_be_visible()
    expect(page.get_by_role("heading", name=second["supplier_name"])).to_be_visible()
    line = page.locator(".item").filter(has=page.get_by_role("link", name=first["name"], exact=True))
    stepper = line.get_by_role("spinbutton", name=f"{first['name']} 的数量")
    line.get_by_role("button", name="增加数值").click()
    expect(stepper).to_have_value("2")
    total = 2 * first["price_fen"] + second["price_fen"]
    expect(page.locator(".bar .total")).to_contain_text(yuan(total))
    expect(badge).to_have_accessible_name("购物车，3 件商品")
    shoot(page, "cart")

    # Checkout: no address yet, so the form; a wrong mobile number is refused before the API.
    page.get_by_role("link", name="去结算").click()
    expect(page.get_by_role("heading", name="确认订单")).to_be_visible()
    expect(page.get_by_text("您还没有收货地址")).to_be_visible()
    pick_region(page, "山东省", "济南市", "历下区")
    page.get_by_label("详细地址").fill("泉城路 1 号 3 单元 502")
    page.get_by_label("收货人").fill("王芳")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_role("button", name="保存地址").click()
    expect(page.get_by_text("请填写正确的大陆手机号码")).to_be_visible()
    page.get_by_label("手机号码").fill("138 0013 8000")
    page.get_by_role("button", name="保存地址").click()
    address = page.get_by_role("radio", name=re.compile("王芳"))
    expect(address).to_be_checked()
    expect(page.locator(".addresses")).to_contain_text("山东省 济南市 历下区 泉城路 1 号 3 单元 502")
    expect(page.get_by_text("共 2 个包裹")).to_be_visible()
    expect(page.locator(".bar .total")).to_contain_text(yuan(total))
    shoot(page, "checkout")

    # Placed, then paid on the development gateway's page, clearly marked as such.
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/pay$"))
    expect(page.get_by_text("开发环境模拟支付通道")).to_be_visible()
    expect(page.locator(".amount")).to_contain_text(yuan(total))
    expect(badge).to_have_accessible_name("购物车，0 件商品")
    shoot(page, "pay")
    order_id = int(re.search(r"/orders/(\d+)/pay", page.url).group(1))
    page.get_by_role("button", name="模拟支付成功").click()

    expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result$"))
    expect(page.get_by_text("支付成功")).to_be_visible()
    expect(page.get_by_text(f"已支付 {yuan(total)}")).to_be_visible()
    for product in (first, second):
        part = page.get_by_role("region", name=re.compile(re.escape(product["supplier_name"])))
        expect(part).to_contain_text("待发货")
        expect(part).to_contain_text(product["name"])
    shoot(page, "order-result")
    order = api(email, PASSWORD).get(f"/orders/{order_id}")
    assert order["status"] == "paid" and order["paid_fen"] == total
    assert order["shipping_address"]["region_code"] == "370102"

    # The address book: another address (through the API), made the default, edited, one deleted.
    buyer = api(email, PASSWORD)
    buyer.get_or_post("POST", "/me/addresses", json=FENGJIE)
    page.get_by_role("menuitem", name="我的账户").click()
    page.get_by_role("link", name="收货地址").click()
    expect(page.get_by_role("heading", name="收货地址")).to_be_visible()
    cards = page.locator(".list > li")
    expect(cards).to_have_count(2)
    li = cards.filter(has_text="李强")
    li.get_by_role("button", name="设为默认").click()
    expect(li).to_contain_text("默认地址")
    expect(cards.first).to_contain_text("李强")  # the default first
    page.get_by_role("button", name="编辑 王芳 的地址").click()
    page.get_by_label("收货人").fill("王芳芳")
    page.get_by_role("button", name="保存地址").click()
    expect(page.get_by_role("status")).to_have_text("地址已保存。")
    expect(cards.filter(has_text="王芳芳")).to_contain_text("山东省 济南市 历下区")
    shoot(page, "addresses")
    page.get_by_role("button", name="删除 王芳芳 的地址").click()
    page.get_by_role("button", name="确认删除").click()
    expect(page.get_by_role("status")).to_have_text("地址已删除。")
    expect(cards).to_have_count(1)
    assert [a["recipient"] for a in buyer.get("/me/addresses")] == ["李强"]


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"
