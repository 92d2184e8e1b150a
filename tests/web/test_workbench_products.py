"""The suppliers' workbench as a cooperative's member meets it, in Chromium: signing in lands on it,
its nav fits a phone; a buyer is not let in. Phone (390x844) and desktop screenshots, free of console
errors (the page fixture)."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_dashboard import BUYER, sign_in
from tests.web.test_shop import shoot_phone_and_desktop

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

SUPPLIER = ("supplier@demo.test", "demo-supplier-pass")


def test_supplier_member_lands_on_the_workbench_and_a_buyer_is_sent_away(page):
    sign_in(page, SUPPLIER)
    expect(page).to_have_url(re.compile(r"/workbench$"))
    expect(page.get_by_role("heading", name="我的商品")).to_be_visible()
    expect(page.get_by_role("navigation", name="工作台导航").get_by_role("link", name="我的商品")).to_be_visible()
    shoot_phone_and_desktop(page, "workbench-shell")
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, BUYER)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("menuitem", name="工作台")).to_have_count(0)
    page.goto("/workbench")
    expect(page).to_have_url(re.compile(r"/account$"))
