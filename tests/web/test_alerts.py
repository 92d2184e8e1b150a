"""The dashboard's alerts (预警) as officers and admins meet them, in Chromium: a target behind pace
and unsold stock (滞销) with the agencies suggested to buy, worded by the API; the object an alert is
about opened beside it; an alert marked handled leaving the open list, for the API too; the admins'
alerts (payments) hidden from officers; no serious accessibility fault."""

import re

import pytest
from playwright.sync_api import expect

from tests.web import harness
from tests.web.test_dashboard import ADMIN, OFFICER, sign_in

pytestmark = [pytest.mark.web, pytest.mark.xdist_group("browser")]


def open_alerts_page(page, account) -> None:
    sign_in(page, account)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.get_by_role("menuitem", name="预警").click()
    expect(page).to_have_url(re.compile(r"/dashboard/alerts$"))
    expect(page.get_by_role("heading", name="预警", exact=True)).to_be_visible()


def at_rest(page) -> None:
    """Loaded and still: no tag or button caught mid-fade in a screenshot or by axe."""
    page.wait_for_load_state("networkidle")
    # Evaluated, not polled: wait_for_function would eval a string, which the app's CSP refuses.
    page.evaluate(
        "Promise.all(document.getAnimations()"
        ".filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map(a => a.finished.catch(() => null)))"
    )


def tab(page, name: str):
    return page.get_by_role("tab", name=re.compile(f"^{name}"))


def article(page, alert_id: int):
    return page.locator(f'.alert[data-alert-id="{alert_id}"]')


def test_officer_sees_a_target_behind_and_unsold_stock_with_agencies_to_ask(page, api, shoot):
    officer = api(*OFFICER)
    [behind] = [a for a in officer.get("/alerts?kind=target_behind") if "重庆农产品销往山东" in a["message"]]
    unsold = officer.get("/alerts?kind=unsold_stock")
    first = unsold[0]
    agencies = [a["name"] for a in first["details"]["suggested_agencies"]]
    assert agencies  # Shandong is paired to help Chongqing
    open_alerts_page(page, OFFICER)

    tab(page, "目标进度落后").click()
    card = article(page, behind["id"])
    expect(card.get_by_role("heading")).to_have_text(behind["message"].split("：")[0])
    expect(card.locator(".message")).to_have_text(behind["message"])
    assert "万元" in behind["message"]
    expect(card).to_contain_text("重庆市")
    card.get_by_role("button", name="查看").click()
    drawer = page.get_by_role("dialog", name="目标进度")
    expect(drawer.locator(".target canvas")).to_be_visible()
    target = officer.get(f"/targets/{behind['subject_id']}")
    expect(drawer.get_by_role("heading", name=target["name"])).to_be_visible()
    at_rest(page)
    shoot(page, "alerts-officer-target")
    assert harness.sideways(page) == {"tablet": 0, "desktop": 0}  # no scrolling sideways at either
    drawer.get_by_role("button", name=re.compile("关闭|Close")).click()
    expect(drawer).to_be_hidden()

    tab(page, "滞销预警").click()
    expect(tab(page, "滞销预警")).to_have_text(re.compile(r"（\d+）"))
    card = article(page, first["id"])
    expect(card.locator(".message")).to_have_text(first["message"])
    expect(card.locator(".suggested li")).to_have_count(len(agencies))
    for name in agencies:
        expect(card.locator(".suggested")).to_contain_text(name)
    expect(card).to_contain_text(first["region_name"])
    at_rest(page)
    shoot(page, "alerts-officer-unsold")
    card.get_by_role("button", name="查看").click()
    product = officer.get(f"/products/{first['subject_id']}")
    drawer = page.get_by_role("dialog", name="商品详情")
    expect(drawer).to_contain_text(product["name"])
    expect(drawer).to_contain_text(f"{product['stock']} {product['unit']}")
    at_rest(page)
    shoot(page, "alerts-officer-product")


def test_officer_resolves_an_unsold_alert_and_it_leaves_the_open_list(page, api, shoot):
    officer = api(*OFFICER)
    # The last of the first page: an alert no other test reads or resolves.
    chosen = officer.get("/alerts?kind=unsold_stock")[-1]
    open_alerts_page(page, OFFICER)
    tab(page, "滞销预警").click()
    card = article(page, chosen["id"])
    card.get_by_role("button", name="处理完毕").click()
    dialog = page.get_by_role("dialog", name="确认处理完毕")
    expect(dialog).to_contain_text(chosen["message"].split("：")[0])
    at_rest(page)
    shoot(page, "alerts-confirm")
    dialog.get_by_role("button", name="处理完毕").click()
    expect(page.get_by_text("已标记为处理完毕")).to_be_visible()
    expect(card).to_have_count(0)

    open_ids = {a["id"] for a in officer.get("/alerts?kind=unsold_stock&page_size=100")}
    open_ids |= {a["id"] for a in officer.get("/alerts?kind=unsold_stock&page_size=100&page=2")}
    assert chosen["id"] not in open_ids
    [resolved] = [a for a in officer.get("/alerts?resolved=true&page_size=100") if a["id"] == chosen["id"]]
    assert resolved["resolved_by_name"] == "重庆市乡村振兴局"

    page.get_by_role("radio", name="已处理").check(force=True)
    card = article(page, chosen["id"])
    expect(card).to_contain_text("重庆市乡村振兴局于")
    expect(card.get_by_role("button", name="处理完毕")).to_have_count(0)
    at_rest(page)
    shoot(page, "alerts-resolved")


def test_admin_sees_the_unreconciled_payment_officers_do_not(page, api, shoot):
    [owed] = api(*ADMIN).get("/alerts?kind=payment_unreconciled")
    officer_ids = set()
    for number in (1, 2):
        officer_ids |= {a["id"] for a in api(*OFFICER).get(f"/alerts?page_size=100&page={number}")}
    assert owed["id"] not in officer_ids
    open_alerts_page(page, ADMIN)
    tab(page, "未对账款项").click()
    card = article(page, owed["id"])
    expect(card.locator(".message")).to_have_text(owed["message"])
    expect(card).to_contain_text("仅管理员")
    card.get_by_role("button", name="查看").click()
    drawer = page.get_by_role("dialog", name="采购单")
    expect(drawer).to_contain_text("已开票")
    owed_yuan = owed["details"]["owed_fen"]
    expect(drawer).to_contain_text(f"¥{owed_yuan // 100:,}.{owed_yuan % 100:02d}")  # invoiced, unpaid
    at_rest(page)
    shoot(page, "alerts-admin-payment")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.get_by_role("button", name="退出登录").click()

    open_alerts_page(page, OFFICER)
    expect(tab(page, "滞销预警")).to_be_visible()
    expect(tab(page, "未对账款项")).to_have_count(0)
    expect(article(page, owed["id"])).to_have_count(0)
