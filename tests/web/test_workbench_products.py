"""The suppliers' workbench as a cooperative's member meets it, in Chromium: signing in lands on it,
a product is created, a photo straight from a phone (4000x3000, 9 MiB, with its GPS location) is
uploaded and comes back as an upright thumbnail, the price is edited in yuan, certification is
applied for and its stage shown; a buyer is not let in. Phone (390x844) and desktop screenshots,
free of console errors and CSP violations (the page fixture)."""

import io
import re
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import images
from tests.web.harness import PHONE
from tests.web.test_dashboard import BUYER, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

SUPPLIER = ("supplier@demo.test", "demo-supplier-pass")


def test_member_creates_a_product_uploads_a_phone_photo_edits_the_price_and_applies(page, api, shoot):
    name = f"奉节脐橙 礼盒 {uuid.uuid4().hex[:6]}"
    sign_in(page, SUPPLIER)
    expect(page).to_have_url(re.compile(r"/workbench$"))
    nav = page.get_by_role("navigation", name="工作台导航")
    expect(nav.get_by_role("link", name="我的商品")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^共 \d+ 件商品$"))).to_be_visible()
    expect(page.locator(".products li").first).to_contain_text("库存")
    shoot(page, "workbench-products")

    page.get_by_role("button", name="新增商品").click()
    expect(page.get_by_role("heading", name="新增商品")).to_be_visible()
    page.get_by_role("button", name="创建商品").click()
    expect(page.get_by_text("请填写商品名称")).to_be_visible()  # nothing sent until it is whole
    page.get_by_label("商品名称").fill(name)
    page.get_by_role("combobox", name="类别").click()
    page.get_by_role("option", name="鲜果 · 柑橘橙柚").click()
    page.get_by_label("单价（元）").fill("59.9")
    page.get_by_label("单位").fill("箱")
    page.get_by_label("库存").fill("120")
    page.get_by_role("button", name="创建商品").click()
    expect(page).to_have_url(re.compile(r"/workbench/products/\d+$"))
    expect(page.get_by_role("status")).to_have_text("商品已创建，可以上传照片、申请认定。")
    expect(page.locator(".summary")).to_contain_text("¥59.90 / 箱")
    product_id = int(page.url.rsplit("/", 1)[1])

    sent = images.photo(4000, 3000, orientation=6)  # a portrait photo, as the sensor reads it
    assert len(sent) > 2 * 1024 * 1024
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": sent}]
    )
    expect(page.get_by_text("照片已上传")).to_be_visible(timeout=60_000)  # 9 MiB up, then scaled
    thumbnail = page.get_by_role("img", name=f"{name} 的照片 1")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_js_property("naturalWidth", 300)  # upright: 300 wide, 400 tall
    expect(thumbnail).to_have_js_property("naturalHeight", 400)
    member = api(*SUPPLIER)
    stored = member.get(f"/products/{product_id}")["images"][0]
    served = member.session.get(f"{member.base_url}{stored['url']}", timeout=30)
    kept = Image.open(io.BytesIO(served.content))
    assert kept.size == (1200, 1600) and not kept.getexif().get_ifd(images.GPS_IFD)

    page.get_by_label("单价（元）").fill("62.50")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").first).to_have_text("已保存")
    expect(page.locator(".summary")).to_contain_text("¥62.50 / 箱")
    assert member.get(f"/products/{product_id}")["price_fen"] == 6250

    certification = page.locator(".certification")
    expect(certification.locator(".status")).to_contain_text("未申请认定")
    for promise in ("产品符合食品安全与质量标准", "销售价格不高于同类产品市场价", "申报材料真实、准确、完整"):
        certification.get_by_text(promise).click()
    certification.get_by_role("button", name="签署并提交申请").click()
    expect(certification.get_by_text("认定申请已提交")).to_be_visible()
    expect(certification.locator(".status")).to_contain_text("认定审核中")
    expect(certification.locator('.path li[aria-current="step"]')).to_contain_text("县级审核")
    expect(certification.locator(".history")).to_contain_text("提交认定申请")
    shoot(page, "workbench-product")

    page.set_viewport_size(PHONE)
    nav.get_by_role("link", name="我的商品").click()
    card = page.locator(".products li", has_text=name)
    expect(card).to_contain_text("¥62.50 / 箱")
    expect(card).to_contain_text("库存 120 箱")
    expect(card).to_contain_text("认定审核中")
    expect(card.get_by_role("img", name=name)).to_be_visible()


def test_a_buyer_is_not_let_into_the_workbench(page):
    sign_in(page, BUYER)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("menuitem", name="工作台")).to_have_count(0)
    page.goto("/workbench")
    expect(page).to_have_url(re.compile(r"/account$"))
