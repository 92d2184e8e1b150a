"""The account page's notification settings in Chromium on a phone: the inbox shown always on, mail
turned off and on, SMS turned on with a mobile number (saved, as a reload shows), and a bad number
refused under its field, in Chinese. Phone and desktop screenshots (tests/web/screenshots/account*)."""

import pytest
from playwright.sync_api import expect

from tests.web.harness import PHONE
from tests.web.test_orders import BUYER, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]


@pytest.fixture
def buyer(api):
    """The demo buyer, with the channels as the demo has them again after the test."""
    account = api(*BUYER)
    yield account
    account.get_or_post(
        "PUT", "/me/notification-settings", json={"email": True, "sms": False, "mobile": None}
    )


def open_account(page) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, BUYER)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.goto("/account")


def test_the_account_page_turns_mail_notifications_off_and_on(page, buyer, shoot):
    open_account(page)
    switch = page.get_by_role("switch", name="邮件通知")
    expect(switch).to_be_checked()
    expect(page.get_by_role("switch", name="站内信")).to_be_disabled()
    shoot(page, "account")
    # The switch a user taps (its checkbox is the one the screen reader names).
    page.locator(".channel.email .el-switch").click()
    expect(switch).not_to_be_checked()
    expect(page.get_by_text("已保存。")).to_be_visible()
    assert buyer.get("/me/notification-settings")["email"] is False
    page.locator(".channel.email .el-switch").click()
    expect(switch).to_be_checked()
    assert buyer.get("/me/notification-settings")["email"] is True


def test_sms_is_turned_on_with_a_mobile_number_and_a_bad_number_is_refused(page, buyer, console, shoot):
    console.allow(r"status of 422")  # the browser logs the API's refusals, which the page shows
    open_account(page)
    switch = page.get_by_role("switch", name="短信通知")
    expect(switch).not_to_be_checked()
    number = page.get_by_label("接收短信的手机号")
    # Turned on without a number: the field says what it needs.
    page.locator(".channel.sms .el-switch").click()
    expect(page.locator(".mobile .el-form-item__error")).to_contain_text("手机号")
    expect(switch).not_to_be_checked()

    number.fill("1380013800")
    page.get_by_role("button", name="保存手机号").click()
    error = page.locator(".mobile .el-form-item__error")
    expect(error).to_have_text("须为中国大陆手机号：11 位数字，以 13 至 19 开头。")
    shoot(page, "account-sms-refused")
    assert buyer.get("/me/notification-settings")["mobile"] is None

    number.fill("138 0013 8000")
    page.locator(".channel.sms .el-switch").click()
    expect(switch).to_be_checked()
    expect(error).to_have_count(0)
    expect(page.get_by_text("已保存。").first).to_be_visible()
    saved = buyer.get("/me/notification-settings")
    assert (saved["sms"], saved["mobile"]) == (True, "13800138000")

    page.reload()
    expect(page.get_by_role("switch", name="短信通知")).to_be_checked()
    expect(page.get_by_label("接收短信的手机号")).to_have_value("13800138000")
    expect(page.get_by_role("switch", name="邮件通知")).to_be_checked()
    shoot(page, "account-sms-on")
