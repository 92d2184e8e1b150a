"""An officer's inbox (我的通知) in Chromium, on the demo data: this week's digest of the alerts of
their regions, its figures in 万元 one alert a line, and the notices of alerts as they opened; each
opens the dashboard's alerts, on the alert's kind."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.harness import PHONE
from tests.web.test_dashboard import OFFICER, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]


def test_an_officer_reads_the_weekly_digest_and_an_alert_notice_and_opens_the_alerts(page, api, shoot):
    told = api(*OFFICER).get("/me/notifications")
    weekly, notice = told[0], told[1]  # the digest, sent after the alerts it sums up
    assert weekly["kind"] == "alert_digest" and notice["kind"] == "alert_opened"
    assert "万元" in weekly["message"] and weekly["message"].count("\n• ") == 3
    page.set_viewport_size(PHONE)
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto("/notifications")
    items = page.locator(".item")
    expect(items.first.locator(".title")).to_have_text(
        "未读 本周待处理预警"
    )  # unread, as the reader hears it
    # One alert a line, as the API words them.
    assert items.first.locator(".message").inner_text() == weekly["message"]
    expect(items.nth(1).locator(".title")).to_have_text(f"未读 {notice['title']}")
    expect(items.nth(1).locator(".message")).to_have_text(notice["message"])
    shoot(page, "notifications-officer")

    items.nth(1).get_by_role("button", name="查看").click()
    kind = notice["link"].split("=")[1]
    expect(page).to_have_url(re.compile(rf"/dashboard/alerts\?kind={kind}$"))
    expect(page.get_by_role("tab", selected=True)).to_have_attribute("id", f"tab-{kind}")  # its kind's tab
    expect(page.locator(".alert").first).to_be_visible()
    page.go_back()
    page.locator(".item").first.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"/dashboard/alerts$"))
    expect(page.get_by_role("tab", selected=True)).to_have_text(re.compile(r"^全部"))
