"""The dashboard's work queues (待办审核) as 奉节县's officer meets them, in Chromium: the demo's
applications waiting at the county stage, one opened with its product, batches, commitment, stage
path and history, approved and gone from the queue, the API's stage moved on; a rejection without a
comment refused under the comment field; the pending registration and the certificates expiring;
no serious accessibility fault.

The demo server is shared: only the approval test decides anything, on 夔门脐橙, which no other test
opens; the others look at 夔门血橙 and the registration and leave them as they were."""

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, SCREENSHOTS, TABLET
from tests.web.test_alerts import at_rest, tab
from tests.web.test_dashboard import FENGJIE_OFFICER, OFFICER, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]

COOPERATIVE = "奉节县夔门柑橘专业合作社"
APPROVED = "夔门脐橙 5kg 精品果"
LEFT_ALONE = "夔门血橙 2.5kg 家庭装"
REGISTRATION = "奉节县白帝镇果蔬专业合作社"


def open_queues_page(page, account) -> None:
    sign_in(page, account)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.get_by_role("menuitem", name="待办审核").click()
    expect(page).to_have_url(re.compile(r"/dashboard/queues$"))
    expect(page.get_by_role("heading", name="待办审核", exact=True)).to_be_visible()


def waiting(officer, name: str) -> dict:
    [application] = [
        c for c in officer.get("/certifications?awaiting=me&page_size=100") if c["product_name"] == name
    ]
    return application


def open_review(page, name: str):
    page.get_by_role("button", name=f"审核 {name}").click()
    drawer = page.get_by_role("dialog", name=re.compile(name))
    drawer.get_by_role("heading", name="审核记录").wait_for()
    return drawer


def shoot_scrolled_to(page, heading, name: str) -> None:
    """As `shoot`, with the drawer scrolled at each size until `heading` is at its top."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("tablet", TABLET)):
        page.set_viewport_size(size)
        heading.evaluate("h => h.scrollIntoView({block: 'start'})")
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_officer_approves_the_county_stage_and_it_leaves_the_queue(page, api, shoot):
    officer = api(*FENGJIE_OFFICER)
    application = waiting(officer, APPROVED)
    assert application["current_stage"] == "county"
    total = len(officer.get("/certifications?awaiting=me&page_size=100"))
    open_queues_page(page, FENGJIE_OFFICER)
    expect(tab(page, "认定申请")).to_have_text(f"认定申请（{total}）")
    row = page.locator(".queue tr", has_text=APPROVED)
    expect(row).to_contain_text(COOPERATIVE)
    expect(row).to_contain_text("奉节县")
    expect(row).to_contain_text("县级审核")
    at_rest(page)
    shoot(page, "queues-applications")

    drawer = open_review(page, APPROVED)
    expect(drawer).to_contain_text("¥69.90 / 箱")
    expect(drawer).to_contain_text("渝农检(奉节)字 2026 第 0412 号")
    expect(drawer).to_contain_text("产品符合食品安全与质量标准：已承诺")
    expect(drawer.locator(".path [aria-current=step]")).to_have_text("县级审核（当前环节）")
    expect(drawer.locator(".path li")).to_have_text(["县级审核（当前环节）", "省级审核", "公示"])
    expect(drawer.locator(".history li")).to_have_count(1)
    expect(drawer.locator(".history li")).to_contain_text("向红梅")
    expect(drawer.locator(".history li")).to_contain_text("提交认定申请")
    at_rest(page)
    shoot(page, "queues-application-review")
    shoot_scrolled_to(page, drawer.get_by_role("heading", name="审核环节"), "queues-application-history")

    drawer.get_by_label("审核意见").fill("材料齐全，检测报告有效，同意")
    drawer.get_by_role("button", name="通过").click()
    expect(page.get_by_text(f"已通过：{APPROVED}")).to_be_visible()
    expect(drawer).to_be_hidden()
    expect(row).to_have_count(0)
    expect(tab(page, "认定申请")).to_have_text(f"认定申请（{total - 1}）")

    after = officer.get(f"/certifications/{application['id']}")
    assert (after["status"], after["current_stage"]) == ("applied", "province")
    last = officer.get(f"/certifications/{application['id']}/history")[-1]
    assert (last["action"], last["actor_name"], last["reason"]) == (
        "approve",
        "奉节县农业农村委",
        "材料齐全，检测报告有效，同意",
    )
    # Now the municipality's to review: the province stage, 重庆市.
    assert waiting(api(*OFFICER), APPROVED)["id"] == application["id"]


def test_a_rejection_without_a_comment_is_refused_under_the_comment_field(page, api, console, shoot):
    console.allow(r"status of 422")  # the browser logs the API's refusal, which the page shows
    officer = api(*FENGJIE_OFFICER)
    application = waiting(officer, LEFT_ALONE)
    open_queues_page(page, FENGJIE_OFFICER)
    drawer = open_review(page, LEFT_ALONE)
    drawer.get_by_role("button", name="驳回").click()
    field = drawer.locator(".el-form-item", has=page.get_by_label("审核意见"))
    expect(field.locator(".el-form-item__error")).to_have_text("驳回须填写意见，说明理由。")
    expect(field).to_contain_text("审核意见")
    expect(drawer).to_be_visible()
    at_rest(page)
    shoot(page, "queues-reject-needs-comment")
    after = officer.get(f"/certifications/{application['id']}")
    assert (after["status"], after["current_stage"]) == ("applied", "county")


def test_the_registration_and_the_certificates_expiring(page, api, shoot):
    officer = api(*FENGJIE_OFFICER)
    registrations = officer.get("/suppliers?awaiting=me&page_size=100")
    [registration] = [s for s in registrations if s["name"] == REGISTRATION]
    expiring = officer.get("/certifications?expiring_within_days=30&page_size=100")
    open_queues_page(page, FENGJIE_OFFICER)
    tab(page, "供应商注册").click()
    row = page.locator(".queue tr", has_text=REGISTRATION)
    expect(row).to_contain_text("农民专业合作社")
    expect(row).to_contain_text(f"{registration['households_linked']} 户")
    drawer = open_review(page, REGISTRATION)
    expect(drawer).to_contain_text(registration["uscc"])
    expect(drawer.locator(".history li")).to_contain_text("冉光明")
    expect(drawer.locator(".history li")).to_contain_text("提交入驻注册")
    at_rest(page)
    shoot(page, "queues-registration-review")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    tab(page, "即将到期证书").click()
    expect(tab(page, "即将到期证书")).to_have_text(f"即将到期证书（{len(expiring)}）")
    assert expiring, "the demo has certificates expiring within 30 days"
    first = page.locator(".queue tbody tr").first
    expect(first).to_contain_text(expiring[0]["certificate_no"])
    expect(first).to_contain_text(expiring[0]["supplier_name"])
    expect(first).to_contain_text(re.compile(r"\d+ 天"))
    at_rest(page)
    shoot(page, "queues-expiring")
