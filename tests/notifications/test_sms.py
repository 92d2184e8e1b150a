"""SMS: a channel each user turns on with a mainland mobile number; sent through the outbox by a task,
never twice for one notification, in short Chinese text; through Aliyun SMS (its SDK, unchanged,
against tests/sms_server.py, which checks every request's signature) or the recorder."""

import logging

import pytest

from marketplace import sms
from marketplace.config import DEFAULTS, ConfigError, load
from marketplace.extensions import db
from marketplace.notifications import services
from marketplace.notifications import sms as texting
from marketplace.notifications.models import Notification, NotificationKind, SmsDelivery, SmsStatus
from marketplace.notifications.tasks import send_sms
from marketplace.orders.models import Order
from marketplace.outbox import services as outbox
from tests.conftest import PRODUCTION_MAIL
from tests.processes import free_port
from tests.sms_server import SIGN_NAME, FakeAliyunSms

SETTINGS = "/api/v1/me/notification-settings"
MOBILE = "13800138000"
# Aliyun's codes of the approved templates, one per kind, as an operator registers them.
CODES = {kind: f"SMS_4802150{i:02d}" for i, kind in enumerate(texting.TEMPLATES)}


@pytest.fixture
def recorded():
    """The messages the recorder (the test double) keeps during the test."""
    sms.RecordingSender.sent.clear()
    yield sms.RecordingSender.sent
    sms.RecordingSender.sent.clear()


@pytest.fixture(scope="module")
def fake_aliyun():
    server = FakeAliyunSms({CODES[kind]: text for kind, text in texting.TEMPLATES.items()})
    yield server
    server.close()


@pytest.fixture
def aliyun(app, fake_aliyun, monkeypatch):
    for key, value in fake_aliyun.settings({str(k): v for k, v in CODES.items()}).items():
        monkeypatch.setitem(app.config, key, value)
    fake_aliyun.reset()
    return fake_aliyun


def turn_on_sms(client, headers, mobile=MOBILE):
    r = client.put(SETTINGS, json={"sms": True, "mobile": mobile}, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def tell(shop, user_id, key="test:1"):
    """One notification of a paid order to the user, committed (so its SMS is dispatched)."""
    order = db.session.get(Order, shop.order().json["id"])
    params = {"order_id": order.id, "quantity": 3, "amount_fen": 139_800}
    services.notify({user_id}, NotificationKind.ORDER_RECEIVED, order, key, params)
    db.session.commit()
    return db.session.scalars(db.select(Notification).where(Notification.event_key == key)).one()


def delivery(notification_id):
    db.session.expire_all()
    return db.session.get(SmsDelivery, notification_id)


# The settings ---------------------------------------------------------------------------------------


def test_sms_is_off_until_turned_on_with_a_mainland_mobile(client, make_user):
    _, headers = make_user()
    assert client.get(SETTINGS, headers=headers).json == {
        "email": True,
        "sms": False,
        "mobile": None,
        "sms_available": True,
    }
    r = client.put(SETTINGS, json={"sms": True}, headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]["json"]) == ["mobile"]
    assert "手机号" in r.json["message"]
    r = client.put(SETTINGS, json={"sms": True, "mobile": "12800138000"}, headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]["json"]) == ["mobile"]
    assert "中国大陆手机号" in r.json["errors"]["json"]["mobile"][0]
    r = client.put(SETTINGS, json={"mobile": "1380013800"}, headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 422 and "mainland mobile number" in r.json["errors"]["json"]["mobile"][0]
    # As people write their number: spaces, hyphens, +86.
    saved = turn_on_sms(client, headers, "+86 138-0013-8000")
    assert saved == {"email": True, "sms": True, "mobile": MOBILE, "sms_available": True}
    assert client.get(SETTINGS, headers=headers).json == saved
    # The number cannot go while SMS is on; with SMS off it can, and mail stays as it was.
    assert client.put(SETTINGS, json={"mobile": None}, headers=headers).status_code == 422
    r = client.put(SETTINGS, json={"sms": False, "mobile": None}, headers=headers)
    assert r.json == {"email": True, "sms": False, "mobile": None, "sms_available": True}


def test_a_platform_without_sms_refuses_to_turn_it_on(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "off")
    _, headers = make_user()
    assert client.get(SETTINGS, headers=headers).json["sms_available"] is False
    r = client.put(SETTINGS, json={"sms": True, "mobile": MOBILE}, headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]["json"]) == ["sms"]


# Who is texted, and what ----------------------------------------------------------------------------


def test_a_paid_order_is_texted_to_the_supplier_who_turned_sms_on_and_to_nobody_else(shop, recorded):
    turn_on_sms(shop.client, shop.supplier_a_headers)
    order = shop.order().json
    intent = shop.pay(order)
    [message] = recorded
    assert message.to == MOBILE and message.template == "order_received"
    assert message.text.startswith(f"订单{order['id']}已付款：") and "¥" in message.text
    assert message.params["order"] == str(order["id"])
    # Supplier B was told in the inbox and by mail, not by SMS: it never turned SMS on.
    assert shop.client.get("/api/v1/me/notifications/unread-count", headers=shop.supplier_b_headers).json == {
        "unread": 1
    }
    # The provider announces the payment again: nobody is texted twice.
    assert shop.webhook("payment_intent.succeeded", intent, event_id="evt_again").status_code == 200
    assert len(recorded) == 1


def test_a_duplicated_or_retried_task_texts_one_notification_once(shop, recorded):
    turn_on_sms(shop.client, shop.buyer_headers)
    notification = tell(shop, shop.buyer.id)
    assert len(recorded) == 1
    # The broker delivers the task again (a worker died before acknowledging it), twice.
    assert send_sms.apply(args=[notification.id]).get() == "skipped"
    assert texting.deliver(notification.id) == "skipped"
    assert len(recorded) == 1
    sent = delivery(notification.id)
    assert (sent.status, sent.attempts, sent.mobile) == (SmsStatus.SENT, 1, MOBILE)


def test_each_kind_is_worded_in_one_chinese_message_with_its_figures_formatted(app):
    long_name = "重庆市奉节县脐橙种植专业合作社联合社"
    figures = {
        NotificationKind.ORDER_RECEIVED: {
            "order_id": 2_000_000_001,
            "quantity": 1200,
            "amount_fen": 1_234_567_890,
        },
        NotificationKind.PARCEL_SHIPPED: {
            "order_id": 2_000_000_001,
            "supplier": long_name,
            "carrier": "中国邮政速递物流",
            "tracking_no": "SF1234567890123",
        },
        NotificationKind.PO_AWAITING_APPROVAL: {
            "po_id": 2_000_000_001,
            "agency": long_name,
            "total_fen": 1_234_567_890,
        },
        NotificationKind.PO_APPROVED: {
            "po_id": 2_000_000_001,
            "agency": long_name,
            "total_fen": 1_234_567_890,
        },
        NotificationKind.PO_REJECTED: {
            "po_id": 2_000_000_001,
            "agency": long_name,
            "total_fen": 1_234_567_890,
            "reason": "预算不足",
        },
        NotificationKind.PO_RECEIVED: {"po_id": 2_000_000_001, "agency": long_name, "total_fen": 1},
        NotificationKind.CERTIFICATION_DECIDED: {"product": long_name, "status": "in_notice"},
    }
    assert set(figures) == set(texting.TEMPLATES)
    for kind, params in figures.items():
        text = texting.message(Notification(kind=kind, params=params, subject_id=1), MOBILE).text
        assert len(f"【{SIGN_NAME}】{text}") <= texting.MAX_CHARS, text
        assert "$" not in text

    def worded(kind):
        return texting.message(Notification(kind=kind, params=figures[kind], subject_id=1), MOBILE).text

    assert (
        worded(NotificationKind.ORDER_RECEIVED)
        == "订单2000000001已付款：1200件共¥12,345,678.90，请及时发货。"
    )
    assert (
        worded(NotificationKind.CERTIFICATION_DECIDED)
        == "重庆市奉节县脐橙种植专…的帮扶产品认定：已审核通过，正在公示。"
    )


# Aliyun SMS, through its SDK, against a server that checks the signature ------------------------------


def test_aliyun_sends_the_approved_template_with_its_figures(shop, aliyun):
    turn_on_sms(shop.client, shop.buyer_headers)
    notification = tell(shop, shop.buyer.id)
    [sent] = aliyun.sent
    assert (sent.phone, sent.sign_name, sent.template_code) == (MOBILE, SIGN_NAME, CODES["order_received"])
    assert (
        sent.text
        == f"【{SIGN_NAME}】订单{notification.params['order_id']}已付款：3件共¥1,398.00，请及时发货。"
    )
    done = delivery(notification.id)
    assert (done.status, done.receipt, done.attempts) == (SmsStatus.SENT, sent.biz_id, 1)


def test_aliyun_refusing_the_message_is_logged_and_never_tried_again(shop, aliyun, app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMS_ALIYUN_TEMPLATES", {"order_received": "SMS_NOT_APPROVED"})
    turn_on_sms(shop.client, shop.buyer_headers)
    with caplog.at_level(logging.WARNING, logger="marketplace.notifications.sms"):
        notification = tell(shop, shop.buyer.id)
    assert "isv.SMS_TEMPLATE_ILLEGAL" in caplog.text
    refused = delivery(notification.id)
    assert refused.status == SmsStatus.REFUSED and "isv.SMS_TEMPLATE_ILLEGAL" in refused.last_error
    assert texting.deliver(notification.id) == "skipped"
    assert (aliyun.requests, aliyun.sent) == (1, [])


def test_a_wrong_secret_is_refused_by_the_signature_check(shop, aliyun, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_ALIYUN_ACCESS_KEY_SECRET", "not the secret")
    turn_on_sms(shop.client, shop.buyer_headers)
    notification = tell(shop, shop.buyer.id)
    refused = delivery(notification.id)
    assert refused.status == SmsStatus.REFUSED and "SignatureDoesNotMatch" in refused.last_error
    assert aliyun.sent == []


def test_aliyun_down_or_busy_is_tried_again_until_it_sends_once(shop, aliyun):
    turn_on_sms(shop.client, shop.buyer_headers)
    aliyun.fail_next("http_503")
    aliyun.fail_next("throttled")
    notification = tell(shop, shop.buyer.id)
    assert (aliyun.requests, delivery(notification.id).status) == (1, SmsStatus.FAILED)
    # Without a broker the task's retry goes back to the outbox, which beat dispatches again.
    assert outbox.dispatch_pending() == 0 and delivery(notification.id).status == SmsStatus.FAILED
    assert outbox.dispatch_pending() == 1
    assert aliyun.requests == 3 and len(aliyun.sent) == 1
    done = delivery(notification.id)
    assert (done.status, done.attempts, done.last_error) == (SmsStatus.SENT, 3, None)


def test_aliyun_unreachable_fails_the_try_and_the_next_try_sends(shop, aliyun, app, monkeypatch):
    turn_on_sms(shop.client, shop.buyer_headers)
    monkeypatch.setitem(app.config, "SMS_ALIYUN_ENDPOINT", f"127.0.0.1:{free_port()}")
    notification = tell(shop, shop.buyer.id)
    failed = delivery(notification.id)
    assert failed.status == SmsStatus.FAILED and "unreachable" in failed.last_error
    monkeypatch.setitem(app.config, "SMS_ALIYUN_ENDPOINT", aliyun.endpoint)
    assert texting.deliver(notification.id) == "sent"
    assert texting.deliver(notification.id) == "skipped"
    assert len(aliyun.sent) == 1 and delivery(notification.id).attempts == 2


def test_an_answer_that_never_came_is_not_sent_again(shop, aliyun, caplog):
    turn_on_sms(shop.client, shop.buyer_headers)
    aliyun.fail_next("late", late_seconds=1.5)  # the client waits 1 s
    with caplog.at_level(logging.ERROR, logger="marketplace.notifications.sms"):
        notification = tell(shop, shop.buyer.id)
    assert "may have gone" in caplog.text
    unknown = delivery(notification.id)
    assert unknown.status == SmsStatus.SENDING and "Read timed out" in unknown.last_error
    assert texting.deliver(notification.id) == "skipped"
    assert aliyun.requests == 1 and len(aliyun.sent) == 1  # it had gone: once


# Settings ------------------------------------------------------------------------------------------


PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "k" * 32,
    "DATABASE_URL": "postgresql://db/x",
    **PRODUCTION_MAIL,
}
STRIPE = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
ALIYUN = {
    "SMS_PROVIDER": "aliyun",
    "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI5t",
    "SMS_ALIYUN_ACCESS_KEY_SECRET": "secret",
    "SMS_ALIYUN_SIGN_NAME": "消费帮扶平台",
    "SMS_ALIYUN_TEMPLATES": {"order_received": "SMS_1"},
}


def test_production_sends_sms_only_through_a_provider_with_all_its_keys():
    assert DEFAULTS["SMS_PROVIDER"] is None
    assert load("/tmp", {**PRODUCTION, **STRIPE})["SMS_PROVIDER"] == "off"
    assert load("/tmp", {"ENV": "test"})["SMS_PROVIDER"] == "record"
    assert load("/tmp", {**PRODUCTION, **STRIPE, **ALIYUN})["SMS_PROVIDER"] == "aliyun"
    with pytest.raises(ConfigError, match="recording SMS provider sends nothing"):
        load("/tmp", {**PRODUCTION, **STRIPE, "SMS_PROVIDER": "record"})
    with pytest.raises(ConfigError, match="MARKETPLACE_SMS_ALIYUN_ACCESS_KEY_SECRET"):
        load("/tmp", {**PRODUCTION, **STRIPE, **ALIYUN, "SMS_ALIYUN_ACCESS_KEY_SECRET": None})
    with pytest.raises(ConfigError, match="MARKETPLACE_SMS_ALIYUN_TEMPLATES"):
        load("/tmp", {**PRODUCTION, **STRIPE, **ALIYUN, "SMS_ALIYUN_TEMPLATES": {}})
    with pytest.raises(ConfigError, match="SMS_PROVIDER must be one of"):
        load("/tmp", {**PRODUCTION, **STRIPE, "SMS_PROVIDER": "twilio"})
