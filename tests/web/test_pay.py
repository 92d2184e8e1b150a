"""Paying with WeChat Pay and Alipay in the web shop, in Chromium, against the suite's servers that
speak each provider's protocol (tests/wechatpay_server.py, tests/alipay_server.py): the demo app is
served a second time, configured with those gateways (the card through the development gateway).

A computer gets WeChat Pay's code as a QR code in the page (decoded here, as a phone would scan it)
and the page moves on once WeChat Pay's signed notification has arrived; a phone gets WeChat Pay's
H5 page, told to send the buyer back to the result page; Alipay's cashier is left for (page pay, wap
pay on a phone) and comes back to the result page, which waits for the notification. A failed
payment and a timed-out order offer 重新支付. Phone (390x844) and desktop screenshots, free of
console errors and CSP violations."""

import json
import re
import sqlite3
import subprocess
import time
import uuid
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.alipay_server import APP_ID, FakeAlipay, link_params
from tests.alipay_server import yuan as alipay_yuan
from tests.web import harness
from tests.web.conftest import WATCH_CSP, Console
from tests.web.test_cart import FENGJIE, two_suppliers_products, yuan
from tests.wechatpay_server import APIV3_KEY, APPID, MCHID, MERCHANT_SERIAL, FakeWechatPay

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

PASSWORD = "Zhifu-shop-2026!"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
H5_HOST = "https://wx.tenpay.com/"
# Reads a QR code's pixels with jsQR (web/node_modules), as a phone's camera app would.
DECODE = """
const jsQR = require('jsqr')
const { width, height, data } = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const found = jsQR(new Uint8ClampedArray(Buffer.from(data, 'base64')), width, height)
process.stdout.write(found ? found.data : '')
"""
PIXELS = """
(img) => {
  const canvas = document.createElement('canvas')
  canvas.width = img.naturalWidth
  canvas.height = img.naturalHeight
  const context = canvas.getContext('2d')
  context.drawImage(img, 0, 0)
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height)
  let text = ''
  for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192))
  return { width: canvas.width, height: canvas.height, data: btoa(text) }
}
"""


@pytest.fixture(scope="module")
def wechatpay():
    server = FakeWechatPay()
    yield server
    server.close()


@pytest.fixture(scope="module")
def alipay():
    server = FakeAlipay()
    yield server
    server.close()


@pytest.fixture(scope="module")
def pay_server(tmp_path_factory, wechatpay, alipay):
    """The demo app offering WeChat Pay and Alipay through their own gateways, pointed at the suite's
    servers, and cards through the development gateway; its folder and its base URL."""
    folder = tmp_path_factory.mktemp("pay")
    key_file = folder / "apiclient_key.pem"
    key_file.write_text(wechatpay.merchant_private_pem)
    settings = {
        "MARKETPLACE_PAYMENT_METHODS": json.dumps(
            {"wechat_pay": "wechatpay", "alipay": "alipay", "card": "dev"}
        ),
        "MARKETPLACE_WECHATPAY_MCHID": MCHID,
        "MARKETPLACE_WECHATPAY_APPID": APPID,
        "MARKETPLACE_WECHATPAY_PRIVATE_KEY_FILE": str(key_file),
        "MARKETPLACE_WECHATPAY_CERT_SERIAL_NO": MERCHANT_SERIAL,
        "MARKETPLACE_WECHATPAY_APIV3_KEY": APIV3_KEY,
        "MARKETPLACE_WECHATPAY_API_BASE": wechatpay.url,
        "MARKETPLACE_ALIPAY_APP_ID": APP_ID,
        "MARKETPLACE_ALIPAY_APP_PRIVATE_KEY": alipay.merchant_private_pem,
        "MARKETPLACE_ALIPAY_PUBLIC_KEY": alipay.alipay_public_pem,
        "MARKETPLACE_ALIPAY_GATEWAY_URL": alipay.url,
        "MARKETPLACE_ALIPAY_NOTIFY_URL": "https://shop.example.cn/api/v1/webhooks/alipay",
    }
    with harness.served_demo(folder, settings) as base_url:
        yield folder, base_url


class Buyer:
    """A new buyer of the served app, signed in through the API, with two products of two suppliers
    in the cart and an address in 奉节县."""

    def __init__(self, base_url: str):
        self.base_url, self.session = base_url, requests.Session()
        email = f"payer-{uuid.uuid4().hex[:10]}@example.test"
        self.call(
            "POST", "/auth/register", json={"email": email, "password": PASSWORD, "display_name": "付款人"}
        )
        token = self.call("POST", "/auth/token", json={"email": email, "password": PASSWORD})["access_token"]
        self.token = token
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.products = two_suppliers_products(base_url)
        for product in self.products:
            self.call("PUT", f"/cart/items/{product['id']}", json={"quantity": 1})
        self.call("POST", "/me/addresses", json=FENGJIE)
        self.total = sum(p["price_fen"] for p in self.products)

    def call(self, method: str, path: str, **kwargs):
        answer = self.session.request(method, f"{self.base_url}/api/v1{path}", timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def order(self, order_id: int) -> dict:
        return self.call("GET", f"/orders/{order_id}")


@contextmanager
def shop_page(browser, base_url: str, buyer: Buyer, phone: bool = False):
    """The buyer's browser, signed in: a phone's (iPhone, 390x844) or a computer's. Console errors
    and CSP violations fail the test, as the page fixture has them."""
    stored = json.dumps({"token": buyer.token, "expiresAt": int((time.time() + 900) * 1000)})
    options = (
        {"viewport": harness.PHONE, "user_agent": IPHONE, "is_mobile": True}
        if phone
        else {"viewport": harness.DESKTOP}
    )
    context = browser.new_context(base_url=base_url, locale="zh-CN", **options)
    context.add_init_script(WATCH_CSP)
    context.add_init_script(f"sessionStorage.setItem('marketplace.session', {json.dumps(stored)})")
    console = Console()
    page = context.new_page()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
    try:
        yield page, console
        violations = page.evaluate("window.__cspViolations || []")
    finally:
        context.close()
    assert violations == [], f"CSP violations: {violations}"
    assert console.unexpected() == [], f"console errors: {console.unexpected()}"


def place(page, method: str) -> int:
    """Checks the cart out, paying by `method` (its label), and lands on the pay page: the order's id."""
    page.goto("/checkout")
    expect(page.get_by_text("李强").first).to_be_visible()
    methods = page.get_by_role("radiogroup", name="支付方式")
    expect(methods.locator(".el-radio")).to_have_text(
        [re.compile("微信支付"), re.compile("支付宝"), re.compile("银行卡")]
    )
    methods.locator(".el-radio", has_text=method).click()
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/pay$"))
    return int(re.search(r"/orders/(\d+)/pay", page.url).group(1))


def deliver_wechatpay(base_url: str, wechatpay: FakeWechatPay, trade: str) -> None:
    """The buyer pays at WeChat Pay, which POSTs its signed, encrypted notification to the app."""
    headers, body = wechatpay.notification("TRANSACTION.SUCCESS", wechatpay.pay(trade))
    answer = requests.post(
        f"{base_url}/api/v1/webhooks/wechat-pay",
        data=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 204, answer.text


def deliver_alipay(base_url: str, alipay: FakeAlipay, trade: str) -> None:
    """The buyer pays at Alipay, which POSTs its RSA2-signed notification to the app."""
    alipay.pay(trade)
    answer = requests.post(f"{base_url}/api/v1/webhooks/alipay", data=alipay.notification(trade), timeout=30)
    assert (answer.status_code, answer.text) == (200, "success")


def scanned(page) -> str:
    """What a phone reads from the QR code on the page."""
    pixels = page.get_by_role("img", name="微信支付二维码").evaluate(PIXELS)
    read = subprocess.run(
        ["node", "-e", DECODE],
        input=json.dumps(pixels),
        capture_output=True,
        text=True,
        cwd=harness.ROOT / "web",
    )
    assert read.returncode == 0, read.stderr
    return read.stdout


def test_on_a_computer_wechat_pay_shows_its_code_to_scan_and_the_page_moves_on_once_paid(
    browser, pay_server, wechatpay, shoot
):
    _, base_url = pay_server
    buyer = Buyer(base_url)
    with shop_page(browser, base_url, buyer) as (page, _):
        order_id = place(page, "微信支付")
        order = buyer.order(order_id)
        payment = order["payment"]
        assert (payment["provider"], payment["redirect_url"]) == ("wechatpay", None)
        assert wechatpay.trades[payment["payment_intent_id"]]["trade_type"] == "NATIVE"

        expect(page.get_by_text("请使用微信扫一扫")).to_be_visible()
        expect(page.get_by_text("支付方式：微信支付")).to_be_visible()
        expect(page.locator(".amount")).to_contain_text(yuan(buyer.total))
        assert scanned(page) == payment["qr_code"]
        shoot(page, "pay-wechat-qr")
        page.set_viewport_size(harness.DESKTOP)

        time.sleep(2.5)  # the page asks at least once while the order is unpaid, and stays
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}/pay$"))
        deliver_wechatpay(base_url, wechatpay, payment["payment_intent_id"])
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result$"))
        expect(page.get_by_text("支付成功")).to_be_visible()
        expect(page.get_by_text(f"已支付 {yuan(buyer.total)}")).to_be_visible()
    assert buyer.order(order_id)["status"] == "paid"


def test_on_a_phone_wechat_pay_opens_its_h5_page_which_comes_back_to_the_result_page(
    browser, pay_server, wechatpay, shoot
):
    _, base_url = pay_server
    buyer = Buyer(base_url)
    with shop_page(browser, base_url, buyer, phone=True) as (page, _):
        # WeChat Pay's own page is not reachable from here: the browser is shown a stand-in.
        opened = []

        def stand_in(route):
            opened.append(route.request.url)
            route.fulfill(content_type="text/html; charset=utf-8", body="<title>微信支付</title>")

        page.route(f"{H5_HOST}**", stand_in)
        order_id = place(page, "微信支付")
        payment = buyer.order(order_id)["payment"]
        assert payment["qr_code"] is None
        assert wechatpay.trades[payment["payment_intent_id"]]["trade_type"] == "MWEB"
        expect(page.locator(".amount")).to_contain_text(yuan(buyer.total))
        shoot(page, "pay-wechat-h5")

        page.get_by_role("button", name="打开微信支付").click()
        expect(page).to_have_title("微信支付")
        assert opened[0].startswith(payment["redirect_url"] + "&redirect_url=")
        back = dict(parse_qsl(urlsplit(opened[0]).query))["redirect_url"]
        assert back == f"{base_url}/orders/{order_id}/result?returned=wechatpay"

        # WeChat Pay sends the buyer back; the page waits for the notification, then says paid.
        page.goto(back)
        expect(page.get_by_role("status")).to_have_text("正在确认支付结果……")
        shoot(page, "pay-result-waiting")
        deliver_wechatpay(base_url, wechatpay, payment["payment_intent_id"])
        expect(page.get_by_text("支付成功")).to_be_visible()
        expect(page.get_by_role("status")).to_have_count(0)
        shoot(page, "pay-result-paid")


@pytest.mark.parametrize("phone", [False, True], ids=["page-pay", "wap-pay"])
def test_alipay_opens_its_cashier_for_the_device_and_its_return_waits_for_the_notification(
    browser, pay_server, alipay, phone, shoot
):
    _, base_url = pay_server
    buyer = Buyer(base_url)
    with shop_page(browser, base_url, buyer, phone=phone) as (page, _):
        # The suite's Alipay serves its cashier and no icon for it.
        page.route(alipay.url.replace("/gateway.do", "/favicon.ico"), lambda route: route.fulfill(status=204))
        order_id = place(page, "支付宝")
        trade = buyer.order(order_id)["payment"]["payment_intent_id"]
        expect(page.locator(".amount")).to_contain_text(yuan(buyer.total))
        shoot(page, f"pay-alipay-{'wap' if phone else 'page'}")
        if not phone:
            page.set_viewport_size(harness.DESKTOP)

        # A full navigation to Alipay's cashier, whose link the suite's Alipay verified and opened.
        page.get_by_role("button", name="前往支付宝付款").click()
        expect(page.get_by_text(f"支付宝收银台 ¥{alipay_yuan(buyer.total)}")).to_be_visible()
        link = link_params(page.url)
        assert link["method"] == ("alipay.trade.wap.pay" if phone else "alipay.trade.page.pay")
        assert alipay.trades[trade]["status"] == "WAIT_BUYER_PAY"

        # Paid, Alipay sends the buyer back with the trade's fields; the page waits for its notification.
        back = {"out_trade_no": trade, "method": f"{link['method']}.return", "app_id": APP_ID}
        page.goto(f"{link['return_url']}?{'&'.join(f'{k}={v}' for k, v in back.items())}")
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result\?"))
        expect(page.get_by_role("status")).to_have_text("正在确认支付结果……")
        deliver_alipay(base_url, alipay, trade)
        expect(page.get_by_text("支付成功")).to_be_visible()
        expect(page.get_by_text(f"已支付 {yuan(buyer.total)}")).to_be_visible()
    assert buyer.order(order_id)["status"] == "paid"


def test_a_failed_payment_and_a_timed_out_order_say_so_and_pay_again_orders_the_same(
    browser, pay_server, shoot
):
    folder, base_url = pay_server
    buyer = Buyer(base_url)
    with shop_page(browser, base_url, buyer, phone=True) as (page, _):
        # Refused (on the development gateway, the card's here): the order is cancelled, and said so.
        order_id = place(page, "银行卡")
        expect(page.get_by_text("开发环境模拟支付通道")).to_be_visible()
        page.get_by_role("button", name="模拟支付失败").click()
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result$"))
        expect(page.get_by_text("支付失败，订单已取消")).to_be_visible()
        expect(page.get_by_text("待发货")).to_have_count(0)  # nothing ships for an order never paid
        shoot(page, "pay-failed")
        page.get_by_role("button", name="重新支付").click()
        expect(page.get_by_role("heading", name="确认订单")).to_be_visible()
        expect(page.locator(".bar .total")).to_contain_text(yuan(buyer.total))
        for product in buyer.products:
            expect(page.locator(".checkout")).to_contain_text(f"{product['name']} × 1")

        # Ordered again on WeChat Pay, then not paid in time: its pay page goes to the result page.
        order_id = place(page, "微信支付")
        with sqlite3.connect(folder / "marketplace.db") as db:
            db.execute(
                "UPDATE orders SET reserved_until = '2020-01-01 00:00:00.000000' WHERE id = ?", (order_id,)
            )
        page.reload()
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result$"))
        expect(page.get_by_text("订单已超时未支付，已取消")).to_be_visible()
        expect(page.get_by_role("button", name="重新支付")).to_be_visible()
        expect(page.get_by_role("link", name="去支付")).to_have_count(0)
        shoot(page, "pay-expired")


def test_the_pay_pages_have_no_serious_accessibility_violations(browser, pay_server):
    _, base_url = pay_server
    buyer = Buyer(base_url)
    address_id = buyer.call("GET", "/me/addresses")[0]["id"]
    orders = {
        phone: buyer.call(
            "POST",
            "/cart/checkout",
            json={
                "address_id": address_id,
                "payment_method": method,
                "payment_device": "mobile" if phone else "desktop",
                "product_ids": [product["id"]],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )["id"]
        for (phone, method), product in zip(
            ((False, "wechat_pay"), (True, "alipay")), buyer.products, strict=True
        )
    }
    for phone, order_id in orders.items():
        with shop_page(browser, base_url, buyer, phone=phone) as (page, _):
            page.goto(f"/orders/{order_id}/pay")
            button = page.get_by_role("button", name="前往支付宝付款")
            expect(button if phone else page.get_by_text("请使用微信扫一扫")).to_be_visible()
            harness.laid_out(page)
            assert harness.axe_violations(page) == [], page.url
            page.goto(f"/orders/{order_id}/result?returned=wechatpay")
            expect(page.get_by_role("status")).to_have_text("正在确认支付结果……")
            assert harness.axe_violations(page) == [], page.url
