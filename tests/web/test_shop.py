"""The public shop as a visitor meets it, in Chromium, signed out: the home page, a search, facets
kept in the URL (the back button restores them) and a product's certificate and batches; phone
(390x844) and desktop screenshots of each page, free of console errors (the page fixture)."""

import re

import pytest
from playwright.sync_api import expect

from tests.web import harness
from tests.web.harness import PHONE

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]


def test_visitor_searches_filters_goes_back_and_opens_a_product(page, shoot):
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/$"))  # no sign-in to browse
    expect(page.get_by_role("heading", name="帮扶县特产")).to_be_visible()
    expect(page.locator(".counties li").first).to_contain_text("件商品")
    expect(page.locator(".counties .specialities").first).not_to_be_empty()  # what the county sells
    expect(page.get_by_role("heading", name="当季鲜品")).to_be_visible()
    expect(page.get_by_text("最近 60 天内有生产批次")).to_be_visible()
    page.get_by_label("我所在的省份").select_option(label="山东省")
    expect(page.locator(".pairings li").first).to_contain_text("山东省 帮扶 重庆市")
    assert page.evaluate("localStorage.getItem('marketplace.province')") == "370000"
    shoot(page, "shop-home")

    page.get_by_role("searchbox", name="搜索商品").fill("脐橙")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/products\?q=%E8%84%90%E6%A9%99$"))
    expect(page.locator(".product-card").first).to_contain_text("脐橙")
    searched = page.get_by_role("heading", name=re.compile(r"共 \d+ 件商品")).inner_text()

    page.get_by_role("radio", name=re.compile(r"^奉节县")).check()
    expect(page).to_have_url(re.compile(r"origin=500236"))
    page.get_by_role("checkbox", name=re.compile(r"^帮扶产品认定")).check()
    expect(page).to_have_url(re.compile(r"certified=1"))
    expect(page.locator(".product-card .tag").first).to_be_visible()
    expect(page.locator(".product-card:not(:has(.tag))")).to_have_count(0)  # every one certified
    expect(page.locator(".product-card", has_not_text="奉节县")).to_have_count(0)  # and from 奉节县
    filtered = page.get_by_role("heading", name=re.compile(r"共 \d+ 件商品")).inner_text()
    shoot(page, "shop-catalog")

    page.locator(".product-card").first.click()
    expect(page).to_have_url(re.compile(r"/products/\d+$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"origin=500236.*certified=1|certified=1.*origin=500236"))
    expect(page.get_by_role("radio", name=re.compile(r"^奉节县"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(r"^帮扶产品认定"))).to_be_checked()
    expect(page.get_by_role("heading", name=re.compile(r"共 \d+ 件商品"))).to_have_text(filtered)
    page.go_back()
    expect(page.get_by_role("checkbox", name=re.compile(r"^帮扶产品认定"))).not_to_be_checked()
    page.go_back()
    expect(page.get_by_role("heading", name=re.compile(r"共 \d+ 件商品"))).to_have_text(searched)
    page.go_forward()
    page.go_forward()

    page.locator(".product-card").first.click()
    expect(page.get_by_role("heading", name="帮扶产品认定证书")).to_be_visible()
    expect(page.locator(".certificate dd").first).to_have_text(re.compile(r"^BF-500236-"))
    expect(page.locator(".certificate")).to_contain_text("有效期至")
    expect(page.locator(".price")).to_contain_text("¥")
    expect(page.get_by_text(re.compile(r"联农带农 \d+ 户"))).to_be_visible()
    batches = page.locator(".batches tbody tr")
    expect(batches.first).to_contain_text("检测报告")
    expect(batches.first.locator("td").nth(3)).to_have_text("有")
    expect(page.get_by_role("button", name="加入购物车")).to_be_enabled()
    expect(page.get_by_text("登录后即可加入购物车")).to_be_visible()  # a visitor is told
    shoot(page, "shop-product")
    assert harness.sideways(page) == {"tablet": 0, "desktop": 0}
