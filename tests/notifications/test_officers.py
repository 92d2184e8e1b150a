"""The alerts' channels: a target behind pace tells its officers (its regions', or the nearest
region's above that has officers) once when it opens, a payments' alert the admins, a supplier is
told when its certificate nears its end, and each officer with open alerts gets a weekly digest on
Monday morning, with the figures the dashboard shows; in Chinese, by default."""

from copy import copy
from datetime import date, datetime, timedelta

import pytest

from marketplace.alerts import services as alerts
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.ledger.models import Target
from marketplace.notifications import digest
from marketplace.notifications.models import Notification
from marketplace.notifications.tasks import send_weekly_digests
from marketplace.payments.models import WebhookEvent
from marketplace.timeutil import CHINA
from tests.factories import ProductFactory, SupplierFactory, TargetFactory
from tests.notifications.test_inbox import inbox
from tests.sales import sell
from workers.beat import SCHEDULE

# Day 333 of 2026: ¥27,369,863.01 of the ¥30,000,000 target expected by now.
LATE_NOVEMBER = date(2026, 11, 29)


@pytest.fixture
def officers(make_user):
    """Officers up and down the regions of a Chongqing target sold to Shandong, and an admin."""
    return {
        name: make_user(grant)
        for name, grant in {
            "chongqing": ("region_officer", "500000"),
            "fengjie": ("region_officer", "500236"),
            "shandong": ("region_officer", "370000"),
            "zhaotong": ("region_officer", "530600"),
            "admin": ("admin", None),
        }.items()
    }


def behind_target(sold_fen: int) -> Target:
    target = TargetFactory(
        name="2026 年重庆农产品销往山东 3000 万元",
        period_start=date(2026, 1, 1),
        period_end=date(2027, 1, 1),
        certified_only=False,
    )
    sell(ProductFactory(supplier=SupplierFactory(region_code="500236")), date(2026, 2, 1), sold_fen)
    return target


def certificate(member, valid_until: date) -> Certification:
    product = ProductFactory(
        name="奉节脐橙", supplier=SupplierFactory(members=[member], region_code="500236")
    )
    cert = Certification(
        product_id=product.id,
        supplier_id=product.supplier_id,
        origin_region_code="500236",
        status="certified",
        stages=["county"],
        notice_days=7,
        commitment={},
        valid_from=valid_until - timedelta(days=730),
        valid_until=valid_until,
        certificate_no="BF-500236-2024-000007",
    )
    db.session.add(cert)
    db.session.commit()
    return cert


def kinds_told(client, headers):
    return [n["kind"] for n in inbox(client, headers)]


def test_a_target_behind_pace_tells_its_officers_once_in_wan_yuan(client, officers, mailbox):
    target = behind_target(19_157_168_90)
    alerts.raise_daily(LATE_NOVEMBER)
    alerts.raise_daily(LATE_NOVEMBER + timedelta(days=1))  # the next day, still behind: open already
    [told] = inbox(client, officers["chongqing"][1])
    assert told["kind"] == "alert_opened" and told["title"] == "新预警：目标进度落后"
    assert told["message"] == (
        "【重庆市】2026 年重庆农产品销往山东 3000 万元：已完成 1,915.72 万元，按进度应完成 2,736.99 万元"
        "（按时间均衡进度）；完成目标的 63.9%，计入全部销售（不论是否认定）。"
    )
    assert told["link"] == "/dashboard/alerts?kind=target_behind"
    assert kinds_told(client, officers["shandong"][1]) == ["alert_opened"]  # the buyers' side
    for other in "fengjie", "zhaotong", "admin":  # below the target's region, elsewhere, every admin
        assert inbox(client, officers[other][1]) == []
    [mail] = mailbox.messages(officers["chongqing"][0].email)
    assert mail["Subject"] == "新预警：目标进度落后" and "1,915.72 万元" in mail.get_content()
    # Its cause went (resolved by the task, by no one), then returned: opened again, told once only.
    alert = db.session.scalar(
        db.select(alerts.Alert).where(
            alerts.Alert.kind == "target_behind", alerts.Alert.subject_id == target.id
        )
    )
    alert.resolved_at = alert.created_at
    db.session.commit()
    assert alerts.raise_daily(LATE_NOVEMBER + timedelta(days=2))["target_behind"]["raised"] == 1
    assert kinds_told(client, officers["chongqing"][1]) == ["alert_opened"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 2


def test_a_certificate_entering_its_last_30_days_tells_its_supplier_once_with_the_day(
    client, make_user, officers, mailbox
):
    member, member_headers = make_user()
    valid_until = date(2026, 12, 31)
    cert = certificate(member, valid_until)
    assert alerts.raise_daily(valid_until - timedelta(days=31))["certificate_expiring"]["raised"] == 0
    assert inbox(client, member_headers) == []
    alerts.raise_daily(valid_until - timedelta(days=30))
    alerts.raise_daily(valid_until - timedelta(days=29))  # the task again the next day
    [told] = inbox(client, member_headers)
    assert (told["kind"], told["title"]) == ("certificate_expiring", "您的认定证书即将到期")
    assert told["message"] == (
        "奉节脐橙 的认定证书 BF-500236-2024-000007 将于 2026年12月31日 到期，请及时申请复核续期，"
        "以免其销售不再计入认定产品。"
    )
    assert told["link"] == f"/workbench/products/{cert.product_id}"
    assert [m["Subject"] for m in mailbox.messages(member.email)].count("您的认定证书即将到期") == 1
    # The officers read it in their weekly digest, not told of it at once.
    for name in "fengjie", "chongqing", "zhaotong", "admin":
        assert inbox(client, officers[name][1]) == []


def test_a_target_behind_whose_buyers_city_has_no_officer_tells_the_nearest_region_above_with_some(
    client, officers
):
    target = behind_target(19_157_168_90)
    target.buyer_region_code, target.origin_region_code = "370100", "500236"  # 济南市; 奉节县
    db.session.commit()
    alerts.raise_daily(LATE_NOVEMBER)
    for name in "fengjie", "shandong":  # the county's own; 济南市 has none, so Shandong's
        assert kinds_told(client, officers[name][1]) == ["alert_opened"]
    for name in "chongqing", "zhaotong", "admin":  # above 奉节县, it reads the digest; elsewhere
        assert inbox(client, officers[name][1]) == []


def test_the_weekly_digest_counts_and_words_an_officers_open_alerts_once_a_week(
    client, make_user, officers, mailbox
):
    behind_target(19_157_168_90)
    cert = certificate(make_user()[0], LATE_NOVEMBER + timedelta(days=20))
    alerts.raise_daily(LATE_NOVEMBER)
    monday = date(2026, 11, 30)
    assert digest.send_weekly_digests(monday) == 3  # Chongqing, Fengjie (the certificate), Shandong
    assert digest.send_weekly_digests(monday + timedelta(days=2)) == 0  # the same week again
    [weekly] = [n for n in inbox(client, officers["chongqing"][1]) if n["kind"] == "alert_digest"]
    assert weekly["title"] == "本周待处理预警" and weekly["link"] == "/dashboard/alerts"
    lines = weekly["message"].split("\n")
    assert lines[0] == "您辖区待处理预警 2 条（认定证书即将到期 1 条和目标进度落后 1 条）。"
    assert lines[1] == "• 【奉节县】奉节脐橙：认定证书 BF-500236-2024-000007 将于 2026年12月19日 到期。"
    assert lines[2].startswith("• 【重庆市】2026 年重庆农产品销往山东 3000 万元：已完成 1,915.72 万元")
    assert len(lines) == 3
    [shandong] = [n for n in inbox(client, officers["shandong"][1]) if n["kind"] == "alert_digest"]
    assert shandong["message"].startswith("您辖区待处理预警 1 条（目标进度落后 1 条）。")
    for nobody in "zhaotong", "admin":  # no open alert of theirs; admins read the dashboard
        assert inbox(client, officers[nobody][1]) == []
    digests = [
        m for m in mailbox.messages(officers["chongqing"][0].email) if m["Subject"] == "本周待处理预警"
    ]
    assert len(digests) == 1 and "2,736.99 万元" in digests[0].get_content()
    # Handled: the next Monday the Fengjie officer, with nothing open, is sent nothing.
    alert = db.session.scalar(
        db.select(alerts.Alert).where(
            alerts.Alert.kind == "certificate_expiring", alerts.Alert.subject_id == cert.id
        )
    )
    assert (
        client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=officers["fengjie"][1]).status_code == 200
    )
    assert digest.send_weekly_digests(monday + timedelta(days=7)) == 2


def test_an_english_reader_gets_the_digest_in_english(client, officers):
    behind_target(19_157_168_90)
    alerts.raise_daily(LATE_NOVEMBER)
    digest.send_weekly_digests(date(2026, 11, 30))
    english = {**officers["shandong"][1], "Accept-Language": "en"}
    [weekly] = [n for n in inbox(client, english) if n["kind"] == "alert_digest"]
    assert weekly["title"] == "This week's open alerts"
    assert weekly["message"].startswith(
        "Open alerts in your regions: 1 (Target behind pace: 1).\n"
        "• 重庆市: 2026 年重庆农产品销往山东 3000 万元: CN¥19,157,168.90 achieved"
    )


def test_the_digest_falls_due_on_monday_at_eight_in_china_time_once_a_week(app):
    # Due as the Celery app create_app configures finds it due (beat's, and the in-process one's).
    entry = SCHEDULE["weekly-alert-digests"]
    assert entry["task"] == send_weekly_digests.name
    schedule = copy(entry["schedule"])
    clock = datetime(2026, 11, 29, 0, 0, tzinfo=CHINA)  # a Sunday
    schedule.nowfun = lambda: clock
    last_run, fired = clock, []
    while clock < datetime(2026, 12, 14, tzinfo=CHINA):  # beat ticking every minute for two weeks
        clock += timedelta(minutes=1)
        if schedule.is_due(last_run)[0]:
            fired.append(clock)
            last_run = clock
    assert fired == [datetime(2026, 11, 30, 8, 0, tzinfo=CHINA), datetime(2026, 12, 7, 8, 0, tzinfo=CHINA)]


def test_a_payments_alert_with_no_region_tells_the_admins_not_the_officers(client, officers):
    event = WebhookEvent(provider="stripe", event_id="evt_lost", event_type="charge.refunded", payload={})
    db.session.add(event)
    db.session.flush()
    assert alerts.payment_event_failed(event, "its payment is unknown to the provider") is True
    assert (
        alerts.payment_event_failed(event, "its payment is unknown to the provider") is False
    )  # redelivered
    db.session.commit()
    [told] = inbox(client, officers["admin"][1])
    assert told["title"] == "新预警：支付机构的事件未能处理" and "evt_lost" in told["message"]
    assert told["link"] == "/dashboard/alerts?kind=payment_event_failed"
    for officer in "chongqing", "fengjie", "shandong", "zhaotong":
        assert inbox(client, officers[officer][1]) == []
