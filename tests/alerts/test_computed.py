"""Alerts the daily task computes: targets behind pace, unsold stock (滞销) with agencies suggested
to buy, payments never reconciled; each scoped by role, kept once, resolved when its cause goes."""

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.agencies.models import Agency
from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.extensions import db
from marketplace.ledger.models import Target
from marketplace.payments.models import Payment
from marketplace.procurement.models import PurchaseOrder
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory, valid_uscc
from tests.sales import sell

URL = "/api/v1/alerts"


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(("admin", None))[1],
        "chongqing": make_user(("region_officer", "500000"))[1],
        "zhaotong": make_user(("region_officer", "530600"))[1],
        "buyer": make_user()[1],
    }


def kinds(client, headers, kind=None):
    r = client.get(URL + (f"?kind={kind}" if kind else ""), headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_a_target_behind_pace_is_raised_kept_once_and_resolved(client, people, target_behind):
    raised = target_behind(sold_fen=5_000_000_00)
    target, orange = raised.target, raised.orange
    assert raised.counts["target_behind"]["raised"] == 1
    alerts.raise_daily(date(2026, 7, 1))  # the task again: still one alert
    behind = kinds(client, people["chongqing"], "target_behind")
    assert len(behind) == 1 and behind[0]["subject_id"] == target.id
    assert "已完成 500.00 万元" in behind[0]["message"]
    assert behind[0]["message"].endswith("计入全部销售（不论是否认定）。")
    assert (behind[0]["title"], behind[0]["region_name"]) == ("目标进度落后", "重庆市")
    assert behind[0]["details"]["certified_only"] is False
    assert behind[0]["details"]["expected_by_now"] == 30_000_000_00 * 182 // 365
    assert kinds(client, people["zhaotong"], "target_behind") == []  # not Zhaotong's target
    assert len(kinds(client, people["admin"], "target_behind")) == 1
    assert client.get(URL, headers=people["buyer"]).status_code == 403
    sell(orange, date(2026, 7, 1), 20_000_000_00)  # caught up
    assert alerts.raise_daily(date(2026, 7, 2))["target_behind"]["resolved"] == 1
    assert kinds(client, people["chongqing"], "target_behind") == []


def test_an_alert_is_worded_when_read_in_the_readers_language_in_wan_yuan_from_fen(
    client, people, target_behind
):
    """Stored as figures, not text: a Chinese official reads 万元, an English one the full amount."""
    # Day 333 of 365: ¥27,369,863.01 expected by now.
    target_behind(sold_fen=19_157_168_90, on=date(2026, 11, 29))
    [chinese] = kinds(client, people["chongqing"], "target_behind")
    assert chinese["message"] == (
        "2026 年重庆农产品销往山东 3000 万元：已完成 1,915.72 万元，按进度应完成 2,736.99 万元"
        "（按时间均衡进度）；完成目标的 63.9%，计入全部销售（不论是否认定）。"
    )
    english_reader = {**people["chongqing"], "Accept-Language": "en"}
    [english] = client.get(URL, query_string={"kind": "target_behind"}, headers=english_reader).json
    assert english["message"] == (
        "2026 年重庆农产品销往山东 3000 万元: CN¥19,157,168.90 achieved, CN¥27,369,863.01 expected by "
        "now (linear pace); 63.9% of the target, counting every sale, certified or not."
    )
    assert english["title"] == "Target behind pace" and english["kind"] == chinese["kind"] == "target_behind"
    assert english["details"] == chinese["details"]  # the figures stay fen, whatever the language


def test_an_alert_raised_before_alerts_were_worded_when_read_keeps_its_text(client, people):
    target = Target(
        name="旧目标", period_start=date(2026, 1, 1), period_end=date(2027, 1, 1), amount_fen=1, channels=[]
    )
    db.session.add(target)
    db.session.flush()
    db.session.add(
        Alert(
            kind="target_behind",
            subject_type="targets",
            subject_id=target.id,
            region_code="500000",
            message="旧目标: ¥0.00 achieved",
            due_on=date(2027, 1, 1),
        )
    )
    db.session.commit()
    [alert] = kinds(client, people["admin"], "target_behind")
    assert alert["message"] == "旧目标: ¥0.00 achieved" and alert["region_name"] == "重庆市"


def test_unsold_stock_suggests_agencies_of_the_paired_region(client, people):
    today = china_today()
    long_ago = datetime.now(UTC) - timedelta(days=90)
    fengjie = SupplierFactory(region_code="500236")
    quiet = ProductFactory(supplier=fengjie, name="奉节脐橙 滞销", stock=800, created_at=long_ago)
    selling = ProductFactory(supplier=fengjie, name="奉节脐橙 畅销", stock=50, created_at=long_ago)
    ProductFactory(supplier=fengjie, name="奉节脐橙 新品", stock=50)  # listed today: not unsold yet
    ProductFactory(supplier=fengjie, name="奉节脐橙 售罄", stock=0, created_at=long_ago)  # nothing to sell
    sell(selling, today - timedelta(days=3), 6990)
    shandong = Agency(
        name="山东省机关事务管理局",
        kind="government",
        uscc=valid_uscc(division="370102"),
        region_code="370102",
        approval_tiers_fen=[],
    )
    guangdong = Agency(
        name="广州市机关食堂",
        kind="government",
        uscc=valid_uscc(division="440106"),
        region_code="440106",
        approval_tiers_fen=[],
    )
    db.session.add_all([shandong, guangdong])
    db.session.commit()

    alerts.raise_daily()
    unsold = kinds(client, people["chongqing"], "unsold_stock")
    assert [a["subject_id"] for a in unsold] == [quiet.id]
    assert "库存 800 箱" in unsold[0]["message"] and unsold[0]["supplier_id"] == fengjie.id
    assert unsold[0]["supplier_name"] == fengjie.name and unsold[0]["region_name"] == "奉节县"
    # Shandong is paired to help Chongqing; Guangdong is not.
    assert [(a["name"], a["region_name"]) for a in unsold[0]["details"]["suggested_agencies"]] == [
        ("山东省机关事务管理局", "历下区")
    ]
    assert kinds(client, people["zhaotong"], "unsold_stock") == []

    sell(quiet, today, 6990)
    alerts.raise_daily()
    assert kinds(client, people["chongqing"], "unsold_stock") == []


def test_a_payment_pending_for_days_is_for_admins(client, people, shop):
    order = shop.order().json
    payment = db.session.scalar(db.select(Payment).where(Payment.order_id == order["id"]))
    alerts.raise_daily()
    assert kinds(client, people["admin"], "payment_unreconciled") == []  # pending for minutes: normal
    payment.created_at = datetime.now(UTC) - timedelta(days=3)
    db.session.commit()
    alerts.raise_daily()
    stuck = kinds(client, people["admin"], "payment_unreconciled")
    assert (
        len(stuck) == 1 and stuck[0]["region_code"] is None and f"订单 {order['id']}" in stuck[0]["message"]
    )
    assert client.get(f"{URL}?kind=payment_unreconciled", headers=people["chongqing"]).status_code == 403
    assert all(a["kind"] != "payment_unreconciled" for a in kinds(client, people["chongqing"]))
    shop.pay(order)
    alerts.raise_daily()
    assert kinds(client, people["admin"], "payment_unreconciled") == []


def test_an_invoice_unpaid_for_a_month_shows_what_was_invoiced_less_what_was_paid(client, people, desk):
    order = desk.draft()  # 100 oranges at ¥99 and 40 potatoes at ¥50: ¥11,900 ordered
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "approve", desk.approver_h)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "confirm", headers)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "ship", headers, {"carrier": "邮政", "tracking_no": "EMS1"})
    received = [
        {"line_id": line["id"], "quantity_received": 95 if line["product_id"] == desk.orange.id else 40}
        for line in order["lines"]
    ]
    desk.step(order, "receipts", desk.purchaser_h, {"lines": received})
    desk.step(order, "invoices", desk.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 95 * 9900})
    desk.step(order, "invoices", desk.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200_000})
    r = desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/payments",
        json={"amount_fen": 100_000, "reference": "BOC-PART-1"},
        headers=desk.admin_h,
    )
    assert r.status_code == 201, r.json
    first, last = db.session.get(PurchaseOrder, order["id"]).parts
    # Owed from the last invoice on: the first one's month alone is not enough.
    first.invoice_recorded_at = datetime.now(UTC) - timedelta(days=40)
    db.session.commit()
    alerts.raise_daily()
    assert all(a["subject_id"] != order["id"] for a in kinds(client, people["admin"], "payment_unreconciled"))
    last.invoice_recorded_at = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    alerts.raise_daily()
    [alert] = [
        a for a in kinds(client, people["admin"], "payment_unreconciled") if a["subject_id"] == order["id"]
    ]
    # ¥11,405 invoiced (95 oranges arrived, not 100), ¥1,000 paid.
    assert "尚有 ¥10,405.00 未到账" in alert["message"], alert["message"]
