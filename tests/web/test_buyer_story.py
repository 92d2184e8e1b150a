"""The buyer's whole story (issue 18), in Chromium on the embedded default, through the pages alone:
a new visitor searches 脐橙, narrows to certified products of 奉节县 (each facet's count is the count
it then shows), opens one, signs up on the way to the cart and comes back to it, adds a second
product of another supplier, saves an address in 济南市历下区 and pays on the development gateway;
the supplier's member, on a device of their own, ships the parcel with a tracking number in the
workbench; the buyer sees it shipped and asks for part of it back; the member accepts; and the
target "重庆农产品销往山东" moved by exactly the amount paid less the refund (read in fen through
the API before and after). Every page the story visits is shot at phone (390x844), tablet and
desktop size as buyer-story-NN-<page>-phone.png / -tablet.png / -desktop.png, with axe on each, and
none of them scrolls sideways on the phone or logs a console error or CSP violation. A second test
records a traceability batch with the workbench's date picker and reads it on the product page at
phone width."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.web import harness
from tests.web.conftest import WATCH_CSP
from tests.web.test_cart import pick_region, yuan
from tests.web.test_dashboard import sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

MEMBER = ("supplier@demo.test", "demo-supplier-pass")  # 奉节县脐橙专业合作社
OFFICER = ("chongqing.officer@demo.test", "demo-officer-pass")
PASSWORD = "Jinan-lixia-2026!"
FENGJIE = "500236"


class Story:
    """Numbers the story's screenshots in the order its pages are visited."""

    def __init__(self, shoot):
        self.shots, self.take = 0, shoot

    def shoot(self, page, name: str) -> None:
        self.shots += 1
        self.take(page, f"buyer-story-{self.shots:02d}-{name}")


@pytest.fixture
def device(browser, web_server, console):
    """device(): another person's browser, held to the same console and CSP checks as `page`."""
    contexts = []

    def open_one():
        context = browser.new_context(base_url=web_server, viewport=harness.PHONE, locale="zh-CN")
        context.add_init_script(WATCH_CSP)
        contexts.append(context)
        other = context.new_page()
        other.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
        other.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
        return other

    yield open_one
    violations = [v for c in contexts for p in c.pages for v in p.evaluate("window.__cspViolations || []")]
    for context in contexts:
        context.close()
    assert violations == [], f"CSP violations: {violations}"


def shandong_target(officer) -> dict:
    """This year's money target for Chongqing's products bought from Shandong (seed 000)."""
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    progress = officer.get("/targets/progress?page_size=100")
    return next(p for p in progress if p["name"] == f"{year} 年重庆农产品销往山东 3000 万元")


def facet_count(label: str) -> int:
    return int(re.search(r"\((\d+)\)\s*$", label).group(1))


def card(page, product: dict):
    return page.locator(f'.product-card[href="/products/{product["id"]}"]')


def workbench_page(page, name: str):
    return page.get_by_role("navigation", name="工作台导航").get_by_role("link", name=name, exact=True)


def order_card(page, order_id: int):
    return page.locator(".card").filter(has_text=re.compile(rf"订单 {order_id}(\D|$)"))


def results(page):
    return page.get_by_role("heading", name=re.compile(r"^共 \d+ 件商品$"))


def test_a_new_buyer_orders_gets_a_parcel_a_partial_refund_and_the_target_moves_by_the_net(
    page, device, api, shoot
):
    story = Story(shoot)
    member, officer = api(*MEMBER), api(*OFFICER)
    cooperative = next(m for m in member.get("/me")["memberships"] if m["kind"] == "supplier")
    achieved_before = shandong_target(officer)["achieved_fen"]
    email = f"jinan-{uuid.uuid4().hex[:10]}@example.test"
    page.set_viewport_size(harness.PHONE)

    # A visitor on the home page searches 脐橙.
    page.goto("/")
    expect(page.get_by_role("heading", name="帮扶县特产")).to_be_visible()
    story.shoot(page, "home")
    page.get_by_role("searchbox", name="搜索商品").fill("脐橙")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/products\?q="))
    expect(page.locator(".product-card").first).to_contain_text("脐橙")

    # Each facet's count is what choosing it then shows.
    fengjie = page.get_by_role("radio", name=re.compile(r"^奉节县"))
    expected = facet_count(page.locator("label", has=fengjie).inner_text())
    fengjie.check()
    expect(page).to_have_url(re.compile(rf"origin={FENGJIE}"))
    expect(results(page)).to_have_text(f"共 {expected} 件商品")
    certified = page.get_by_role("checkbox", name=re.compile(r"^帮扶产品认定"))
    expect(page.locator("label", has=certified)).not_to_contain_text("(0)")
    expected = facet_count(page.locator("label", has=certified).inner_text())
    certified.check()
    expect(page).to_have_url(re.compile(r"certified=1"))
    expect(results(page)).to_have_text(f"共 {expected} 件商品")
    expect(page.locator(".product-card", has_not_text="奉节县")).to_have_count(0)
    expect(page.locator(".product-card:not(:has(.tag))")).to_have_count(0)
    story.shoot(page, "catalog")

    # Which listed product is whose (the cards do not say; the product page does).
    cards = page.locator(".product-card")
    listed = {int(cards.nth(i).get_attribute("href").rsplit("/", 1)[1]) for i in range(cards.count())}
    shown = member.get(f"/products?q=脐橙&origin={FENGJIE}&certified=true&in_stock=true&page_size=100")
    theirs = [p for p in shown if p["id"] in listed and p["stock"] >= 5]
    orange = next(p for p in theirs if p["supplier_id"] == cooperative["supplier_id"])
    other = next(p for p in theirs if p["supplier_id"] != cooperative["supplier_id"])

    # The product page: certificate, batches; a visitor adding two is sent to sign in, then up.
    card(page, orange).click()
    expect(page).to_have_url(re.compile(rf"/products/{orange['id']}$"))
    expect(page.get_by_role("heading", name=orange["name"])).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text(orange["supplier_name"])
    expect(page.locator(".certificate dd").first).to_have_text(re.compile(rf"^BF-{FENGJIE}-"))
    expect(page.locator(".batches tbody tr").first).to_be_visible()
    story.shoot(page, "product")
    page.locator(".cart").get_by_role("button", name="增加数值").click()
    expect(page.get_by_role("spinbutton", name="数量")).to_have_value("2")
    page.get_by_role("button", name="加入购物车").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    story.shoot(page, "sign-in")
    page.get_by_role("link", name="还没有账号？注册").click()
    expect(page.get_by_role("heading", name="注册")).to_be_visible()
    page.get_by_label("昵称").fill("历下买家")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    story.shoot(page, "sign-up")
    page.get_by_role("button", name="注册并登录").click()

    # Back on the product, both boxes in the cart; then back to the list as it was filtered.
    expect(page).to_have_url(re.compile(rf"/products/{orange['id']}$"))
    expect(page.get_by_role("status")).to_contain_text("已加入购物车")
    badge = page.get_by_role("link", name=re.compile(r"^购物车，"))
    expect(badge).to_have_accessible_name("购物车，2 件商品")
    page.get_by_role("link", name="返回目录").click()
    expect(page).to_have_url(re.compile(rf"origin={FENGJIE}"))
    expect(page.get_by_role("checkbox", name=re.compile(r"^帮扶产品认定"))).to_be_checked()
    card(page, other).click()
    expect(page.locator(".facts").first).to_contain_text(other["supplier_name"])
    story.shoot(page, "second-product")
    page.get_by_role("button", name="加入购物车").click()
    expect(page.get_by_role("status")).to_contain_text("已加入购物车")
    expect(badge).to_have_accessible_name("购物车，3 件商品")

    # The cart, split by supplier as the order will be.
    badge.click()
    total = 2 * orange["price_fen"] + other["price_fen"]
    expect(page.get_by_role("heading", name=orange["supplier_name"])).to_be_visible()
    expect(page.get_by_role("heading", name=other["supplier_name"])).to_be_visible()
    expect(page.locator(".bar .total")).to_contain_text(yuan(total))
    story.shoot(page, "cart")

    # Checkout: an address in 济南市历下区, saved; then the development gateway.
    page.get_by_role("link", name="去结算").click()
    expect(page.get_by_text("您还没有收货地址")).to_be_visible()
    pick_region(page, "山东省", "济南市", "历下区")
    page.get_by_label("详细地址").fill("泉城路 1 号 3 单元 502")
    page.get_by_label("收货人").fill("赵磊")
    page.get_by_label("手机号码").fill("13800138000")
    page.get_by_role("button", name="保存地址").click()
    expect(page.get_by_role("radio", name=re.compile("赵磊"))).to_be_checked()
    expect(page.locator(".addresses")).to_contain_text("山东省 济南市 历下区 泉城路 1 号 3 单元 502")
    expect(page.get_by_text("共 2 个包裹")).to_be_visible()
    story.shoot(page, "checkout")
    page.get_by_role("button", name="提交订单").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/pay$"))
    expect(page.get_by_text("开发环境模拟支付通道")).to_be_visible()
    expect(page.locator(".amount")).to_contain_text(yuan(total))
    story.shoot(page, "pay")
    order_id = int(re.search(r"/orders/(\d+)/pay", page.url).group(1))
    page.get_by_role("button", name="模拟支付成功").click()

    # Paid: the result page says so, with the amount; both parcels wait to be shipped.
    expect(page).to_have_url(re.compile(rf"/orders/{order_id}/result$"))
    expect(page.get_by_text("支付成功")).to_be_visible()
    expect(page.get_by_text(f"已支付 {yuan(total)}")).to_be_visible()
    for product in (orange, other):
        parcel = page.get_by_role("region", name=re.compile(re.escape(product["supplier_name"])))
        expect(parcel).to_contain_text("待发货")
    story.shoot(page, "order-result")

    # The member ships the cooperative's parcel from the workbench, on their own phone.
    workbench = device()
    sign_in(workbench, MEMBER)
    expect(workbench).to_have_url(re.compile(r"/workbench$"))
    workbench_page(workbench, "订单发货").click()
    parcel = order_card(workbench, order_id)
    expect(parcel).to_contain_text("待发货")
    expect(parcel).to_contain_text("赵磊，13800138000")
    expect(parcel).to_contain_text("山东省济南市历下区 泉城路 1 号 3 单元 502")
    parcel.get_by_label("快递公司").fill("顺丰速运")
    parcel.get_by_label("快递单号").fill("SF1450020261204")
    story.shoot(workbench, "workbench-orders")
    parcel.get_by_role("button", name="发货").click()
    expect(workbench.get_by_text(f"订单 {order_id} 已发货")).to_be_visible()

    # The buyer opens the order from the result page: the parcel is on its way.
    page.get_by_role("link", name="查看订单详情").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order_id}$"))
    shipped = page.locator("section.part", has_text=orange["supplier_name"])
    expect(shipped.locator(".part-head")).to_contain_text("已发货")
    expect(shipped.get_by_text("顺丰速运，运单号 SF1450020261204")).to_be_visible()
    waiting = page.locator("section.part", has_text=other["supplier_name"])
    expect(waiting.locator(".part-head")).to_contain_text("待发货")
    story.shoot(page, "order-shipped")

    # One of the two boxes back: the after-sales dialog.
    shipped.get_by_role("button", name="申请售后").click()
    dialog = page.get_by_role("dialog", name="申请售后退款")
    line = dialog.locator(".line", has_text=orange["name"])
    line.get_by_role("button", name="增加数值").click()
    expect(line.get_by_role("spinbutton")).to_have_value("1")
    dialog.get_by_label("退款原因").fill("一箱脐橙到货时压坏了")
    story.shoot(page, "order-after-sales")
    dialog.get_by_role("button", name="提交").click()
    request = shipped.locator(".request")
    expect(request).to_contain_text("待商家处理")
    expect(request).to_contain_text(f"申请退款 {yuan(orange['price_fen'])}")

    # The member accepts it in the workbench; the refund runs on the development gateway.
    workbench_page(workbench, "售后").click()
    asked = order_card(workbench, order_id)
    expect(asked).to_contain_text("一箱脐橙到货时压坏了")
    expect(asked).to_contain_text(f"退款金额 {yuan(orange['price_fen'])}")
    story.shoot(workbench, "workbench-after-sales")
    asked.get_by_role("button", name="同意退款").click()
    workbench.get_by_role("button", name=f"确认退款 {yuan(orange['price_fen'])}").click()
    expect(workbench.get_by_text(f"已同意，向买家退款 {yuan(orange['price_fen'])}")).to_be_visible()

    # The buyer sees the refund; the target moved by what was paid less what was refunded.
    page.reload()
    expect(request).to_contain_text("已退款")
    expect(shipped.locator(".timeline")).to_contain_text(f"退款 {yuan(orange['price_fen'])}")
    story.shoot(page, "order-refunded")
    achieved_after = shandong_target(officer)["achieved_fen"]
    assert achieved_after - achieved_before == total - orange["price_fen"]


def test_a_member_records_a_batch_with_the_date_picker_and_a_phone_reads_it(page, api, shoot):
    member = api(*MEMBER)
    supplier_id = next(m["supplier_id"] for m in member.get("/me")["memberships"] if m["kind"] == "supplier")
    product = member.get(f"/products?supplier_id={supplier_id}&certified=true&page_size=1")[0]
    code = f"FJ-{uuid.uuid4().hex[:6].upper()}"
    report = "渝农检(奉节)字 2026 第 0519 号 农药残留与重金属全项检测"
    page.set_viewport_size(harness.PHONE)
    sign_in(page, MEMBER)
    expect(page).to_have_url(re.compile(r"/workbench$"))
    page.goto(f"/workbench/products/{product['id']}")
    form = page.locator(".batch-form")
    form.get_by_label("批次号").fill(code)
    form.get_by_label("生产日期").click()
    picker = page.locator(".el-picker-panel").filter(visible=True)
    expect(picker.locator(".el-date-picker__header")).to_contain_text("年")  # 2026 年 12 月, not Dec
    expect(picker.locator("th").first).to_have_text("日")
    picker.locator("td.available", has_text=re.compile(r"^\s*1\s*$")).first.click()
    produced = form.get_by_label("生产日期")
    expect(produced).to_have_value(re.compile(r"^\d{4}-\d{2}-01$"))
    form.get_by_label("检测报告").fill(report)
    form.get_by_text("承诺达标合格证").click()
    shoot(page, "buyer-story-batch-workbench")
    chosen = produced.input_value()
    form.get_by_role("button", name="登记批次").click()
    expect(page.get_by_role("status").filter(has_text="批次已登记")).to_be_visible()
    recorded = next(b for b in member.get(f"/products/{product['id']}/batches") if b["batch_code"] == code)
    assert recorded["produced_on"] == chosen

    page.goto(f"/products/{product['id']}")
    row = page.locator(".batches tbody tr", has_text=code)
    expect(row).to_contain_text(report)
    expect(row.locator("td").nth(3)).to_have_text("有")
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= harness.PHONE["width"], box
    shoot(page, "buyer-story-batch-product")
