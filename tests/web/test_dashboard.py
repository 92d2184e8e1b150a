"""The officers' dashboard as its users meet it, in Chromium: signing in, the targets they may see
with the API's figures, what a buyer is (not) offered, signing out and an expired session; every page
free of console errors and CSP violations (the page fixture), and of serious accessibility faults."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.web import harness

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

OFFICER = ("chongqing.officer@demo.test", "demo-officer-pass")
FENGJIE_OFFICER = ("fengjie.officer@demo.test", "demo-officer-pass")
ADMIN = ("admin@demo.test", "demo-admin-pass")
BUYER = ("buyer@demo.test", "demo-buyer-pass")
STATUS = {"on_track": "进度正常", "behind": "进度滞后", "achieved": "已完成", "missed": "未完成"}


def wan_yuan(fen: int) -> str:
    """Fen in 万元 to two decimals, as officials write them: 1915720000 -> "1,915.72 万元"."""
    hundredths = (fen * 100 + 500_000) // 1_000_000
    return f"{hundredths // 100:,}.{hundredths % 100:02d} 万元"


def sign_in(page, account) -> None:
    page.goto("/sign-in")
    page.get_by_label("电子邮箱").fill(account[0])
    page.get_by_label("密码", exact=True).fill(account[1])
    page.get_by_role("button", name="登录").click()


def card_names(page) -> list[str]:
    page.locator(".target").first.wait_for()
    return page.locator(".target h2").all_inner_texts()


def test_officer_sees_the_30_million_target_with_the_apis_achieved_figure(page, api, shoot):
    officer = api(*OFFICER)
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    this_year = max(
        (t for t in officer.get("/targets") if t["amount_fen"] == 30_000_000_00),
        key=lambda t: t["period_start"],
    )
    progress = officer.get(f"/targets/{this_year['id']}/progress")
    card = page.locator(f'.target[data-target-id="{this_year["id"]}"]')
    expect(card.get_by_role("heading", name=this_year["name"])).to_be_visible()
    expect(card.locator(".achieved dd")).to_have_text(wan_yuan(progress["achieved_fen"]))
    expect(card.locator("dd").nth(1)).to_have_text("3,000.00 万元")
    expect(card.locator(".status")).to_have_text(STATUS[progress["status"]])
    expect(card.locator(".chart canvas")).to_be_visible()
    shoot(page, "dashboard-officer")
    assert harness.sideways(page) == {"tablet": 0, "desktop": 0}  # no scrolling sideways at either


def test_admin_sees_every_regions_targets_and_an_officer_only_their_own(page, api, shoot):
    every = [t["name"] for t in api(*ADMIN).get("/targets")]
    fengjie = [t["name"] for t in api(*FENGJIE_OFFICER).get("/targets")]
    assert 0 < len(fengjie) < len(every)
    sign_in(page, ADMIN)
    expect(page.locator(".target")).to_have_count(len(every))
    assert card_names(page) == every
    shoot(page, "dashboard-admin")
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, FENGJIE_OFFICER)
    expect(page.locator(".target")).to_have_count(len(fengjie))
    assert card_names(page) == fengjie
    assert not any("3000 万元" in name for name in card_names(page))


def test_buyer_is_not_offered_the_dashboard(page, shoot):
    sign_in(page, BUYER)
    expect(page).to_have_url(re.compile(r"/$"))  # buyers go to the shop
    page.get_by_role("menuitem", name="我的账户").click()
    expect(page.get_by_text("目标进度看板供地区工作人员和平台管理员使用。")).to_be_visible()
    expect(page.get_by_role("menuitem", name="目标进度")).to_have_count(0)
    shoot(page, "account-buyer")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator(".target")).to_have_count(0)


def test_sign_out_returns_to_sign_in_and_the_dashboard_needs_signing_in_again(page, shoot):
    sign_in(page, OFFICER)
    expect(page.get_by_role("menuitem", name="目标进度")).to_be_visible()
    card_names(page)  # signed out from the dashboard as it shows
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_text("您已退出登录。")).to_be_visible()
    shoot(page, "signed-out")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.includes('session'))") == []
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/dashboard$"))


def test_an_expired_session_goes_back_to_sign_in_with_a_message(page, console, shoot):
    console.allow(r"status of 401")  # the browser logs the API's refusal of the dead token
    page.goto("/sign-in")
    stale = {"token": "expired-token", "expiresAt": 4102444800000}
    page.evaluate(f"sessionStorage.setItem('marketplace.session', {json.dumps(json.dumps(stale))})")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_text("登录已过期，请重新登录。")).to_be_visible()
    shoot(page, "sign-in-expired")
    sign_in_again = page.get_by_label("电子邮箱")
    sign_in_again.fill(OFFICER[0])
    page.get_by_label("密码", exact=True).fill(OFFICER[1])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_the_token_is_kept_for_the_tab_only(page):
    sign_in(page, OFFICER)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    assert page.evaluate("Object.keys(localStorage)") == []
    assert "marketplace.session" in page.evaluate("Object.keys(sessionStorage)")
    page.reload()
    expect(page.locator(".target").first).to_be_visible()


def test_the_language_switch_speaks_english_and_saves_the_choice(page, api):
    sign_in(page, OFFICER)
    expect(page.locator(".target").first).to_be_visible()
    page.get_by_text("EN", exact=True).click()
    expect(page.get_by_role("heading", name="Targets")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert api(*OFFICER).get("/me")["user"]["locale"] == "en"
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="目标进度")).to_be_visible()


def test_an_unknown_page_says_so(page, shoot):
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    shoot(page, "not-found")
