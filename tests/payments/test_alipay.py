"""Alipay, end to end and offline: python-alipay-sdk, unchanged, speaks to tests/alipay_server.py (an
Alipay gateway with its own RSA code and a key pair made here) through ALIPAY_GATEWAY_URL, and the
asynchronous notifications it signs are posted to /api/v1/webhooks/alipay."""

import json
from datetime import timedelta

import pytest

from marketplace.alerts.models import Alert
from marketplace.audit.models import AuditEvent
from marketplace.config import ConfigError, load
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.payments import checkout
from marketplace.payments import services as payments
from marketplace.payments.alipay import fen_of, yuan_text
from marketplace.payments.gateways import PaymentProviderUnavailable
from marketplace.payments.models import Payment, WebhookEvent
from marketplace.timeutil import now
from tests.alipay_server import FakeAlipay, key_pair, link_params
from tests.shop import Shop


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


@pytest.fixture(scope="module")
def fake_alipay():
    server = FakeAlipay()
    yield server
    server.close()


class AlipayShop(Shop):
    def __init__(self, client, fake_stripe, make_user, alipay):
        super().__init__(client, fake_stripe, make_user)
        self.alipay = alipay

    def link(self, order_id, device="page", headers=None):
        return self.client.get(
            f"/api/v1/orders/{order_id}/payment/alipay",
            query_string={"device": device},
            headers=headers or self.buyer_headers,
        )

    def notify(self, form, language=None):
        headers = {"Accept-Language": language} if language else {}
        return self.client.post("/api/v1/webhooks/alipay", data=form, headers=headers)

    def checkout_and_open(self, items=None):
        """An order, its page-pay link opened by the buyer: the trade exists at Alipay."""
        order = self.order(items)
        assert order.status_code == 201, order.json
        link = self.link(order.json["id"])
        assert link.status_code == 200, link.json
        self.alipay.open_cashier(link.json["url"])
        return order.json


@pytest.fixture
def shop(app, client, fake_stripe, make_user, fake_alipay, monkeypatch):
    for key, value in fake_alipay.settings().items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop("payment_gateway", None)
    fake_alipay.reset()
    yield AlipayShop(client, fake_stripe, make_user, fake_alipay)
    app.extensions.pop("payment_gateway", None)


def test_production_may_pay_through_alipay_with_its_keys_and_not_without(fake_alipay):
    base = {"ENV": "production", "SECRET_KEY": "k" * 32, "DATABASE_URL": "postgresql://db/x"}
    base.update(MAIL_SMTP_HOST="smtp.example.cn", MAIL_FROM="shop@example.cn", PUBLIC_BASE_URL="https://x.cn")
    assert load("/tmp", {**base, **fake_alipay.settings()})["PAYMENT_GATEWAY"] == "alipay"
    without_key = {**base, **fake_alipay.settings(), "ALIPAY_PUBLIC_KEY": None}
    with pytest.raises(ConfigError, match="alipay payment gateway needs .*ALIPAY_PUBLIC_KEY"):
        load("/tmp", without_key)


def test_yuan_and_fen_convert_exactly():
    assert [yuan_text(f) for f in (19860, 5, 100, 0)] == ["198.60", "0.05", "1.00", "0.00"]
    assert [fen_of(t) for t in ("198.60", "198.6", "198", "0.05")] == [19860, 19860, 19800, 5]
    assert [fen_of(t) for t in ("198.605", "-1.00", "1e3", "", "１.00", " 1.00")] == [None] * 6


def test_page_pay_and_h5_links_are_signed_for_the_order_and_end_with_its_reservation(shop, app):
    order = shop.order().json
    assert order["payment"]["provider"] == "alipay" and order["payment"]["client_secret"] is None
    trade = order["payment"]["payment_intent_id"]
    page = shop.link(order["id"]).json
    assert page["url"].startswith(shop.alipay.url + "?")
    params = link_params(page["url"])
    biz = json.loads(params["biz_content"])
    assert (params["method"], params["sign_type"], params["app_id"]) == (
        "alipay.trade.page.pay",
        "RSA2",
        "2021000000000001",
    )
    assert params["notify_url"] == "https://shop.example.cn/api/v1/webhooks/alipay"
    assert (biz["out_trade_no"], biz["total_amount"], biz["product_code"]) == (
        trade,
        "198.60",
        "FAST_INSTANT_TRADE_PAY",
    )
    assert biz["subject"] == f"消费帮扶订单 {order['id']}"
    assert biz["time_expire"] and page["expires_at"] == order["reserved_until"]
    # Paid, the buyer comes back to the web shop's result page of this order.
    assert params["return_url"] == f"{app.config['PUBLIC_BASE_URL']}/orders/{order['id']}/result"
    wap = shop.link(order["id"], device="wap").json
    wap_params = link_params(wap["url"])
    assert wap_params["method"] == "alipay.trade.wap.pay"
    assert json.loads(wap_params["biz_content"])["product_code"] == "QUICK_WAP_WAY"
    # The gateway verified the link's RSA2 signature with our public key and opened its cashier.
    assert "¥198.60" in shop.alipay.open_cashier(page["url"])
    assert shop.alipay.trades[trade]["status"] == "WAIT_BUYER_PAY"

    assert shop.link(order["id"], device="tablet").status_code == 422
    assert shop.link(order["id"], headers=shop.other_headers).status_code == 404


def test_successful_payment_notified_marks_the_order_paid_and_enters_the_ledger(shop):
    order = shop.checkout_and_open()
    shop.alipay.pay(order["payment"]["payment_intent_id"])
    r = shop.notify(shop.alipay.notification(order["payment"]["payment_intent_id"]))
    assert (r.status_code, r.get_data(as_text=True), r.mimetype) == (200, "success", "text/plain")
    paid = shop.get(order["id"]).json
    assert (paid["status"], paid["paid_fen"], paid["payment"]["status"]) == ("paid", 19860, "succeeded")
    assert count(LedgerEntry) > 0
    # Processing asked Alipay for the trade rather than trusting the notification.
    assert "alipay.trade.query" in [p["method"] for p in shop.alipay.requests]


def test_a_duplicate_notification_changes_nothing_and_is_answered_success(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    form = shop.alipay.notification(trade)
    answers = [shop.notify(form) for _ in range(3)]
    assert [(a.status_code, a.get_data(as_text=True)) for a in answers] == [(200, "success")] * 3
    assert count(WebhookEvent) == 1
    assert count(AuditEvent, AuditEvent.action == "pay") == 1
    # Another notification of the same payment (TRADE_FINISHED later) pays nothing twice.
    assert shop.notify(shop.alipay.notification(trade, trade_status="TRADE_FINISHED")).status_code == 200
    assert count(AuditEvent, AuditEvent.action == "pay") == 1
    assert shop.get(order["id"]).json["paid_fen"] == 19860


def test_notifications_out_of_order_follow_the_trade_as_alipay_has_it(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    stale = shop.alipay.notification(trade)  # WAIT_BUYER_PAY, sent before the buyer paid
    shop.alipay.pay(trade)
    success = shop.alipay.notification(trade)
    assert shop.notify(success).status_code == 200
    assert shop.notify(stale).status_code == 200  # delivered late
    assert shop.get(order["id"]).json["status"] == "paid"
    # And the other way round: a success told before Alipay's query shows it still counts once paid.
    other = shop.checkout_and_open([{"product_id": shop.plum.id, "quantity": 1}])
    other_trade = other["payment"]["payment_intent_id"]
    early = shop.alipay.notification(other_trade, trade_status="TRADE_SUCCESS")
    assert shop.notify(early).status_code == 200
    assert shop.get(other["id"]).json["status"] == "pending_payment"  # the query says WAIT_BUYER_PAY
    shop.alipay.pay(other_trade)
    assert shop.notify(shop.alipay.notification(other_trade)).status_code == 200
    assert shop.get(other["id"]).json["status"] == "paid"
    assert count(AuditEvent, AuditEvent.action == "pay") == 2


def test_a_bad_signature_is_refused_and_changes_nothing(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    forged_key, _, _ = key_pair()
    forged = shop.alipay.notification(trade, key=forged_key)
    r = shop.notify(forged)
    assert r.status_code == 400 and r.json["error_code"] == "bad_signature"
    assert r.json["message"] == "通知的签名未能用支付宝公钥验证通过。"
    assert shop.notify(forged, "en").json["message"] == (
        "The notification's sign does not verify with Alipay's public key."
    )
    tampered = {**shop.alipay.notification(trade), "total_amount": "0.01"}
    assert shop.notify(tampered).status_code == 400
    unsigned = {k: v for k, v in shop.alipay.notification(trade).items() if k != "sign"}
    r = shop.notify(unsigned)
    assert r.status_code == 422 and "sign" in r.json["errors"]["form"]
    other_app = shop.alipay.notification(trade, app_id="2021000000000999")
    r = shop.notify(other_app)
    assert r.status_code == 422 and "app_id" in r.json["errors"]["form"]
    assert count(WebhookEvent) == 0 and shop.get(order["id"]).json["status"] == "pending_payment"


def test_a_short_payment_is_refused_the_order_stays_unpaid_and_admins_are_alerted(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade, total_fen=100)  # ¥1.00 of ¥198.60
    r = shop.notify(shop.alipay.notification(trade))
    assert (r.status_code, r.get_data(as_text=True)) == (200, "success")  # received: Alipay stops
    seen = shop.get(order["id"]).json
    assert (seen["status"], seen["paid_fen"], seen["payment"]["status"]) == ("pending_payment", 0, "failed")
    assert seen["payment"]["failure_reason"].startswith("应付 19860 分"), seen["payment"]["failure_reason"]
    assert count(LedgerEntry) == 0
    assert count(Alert, Alert.kind == "payment_mismatch") == 1


def test_a_refund_goes_to_alipay_and_its_outcome_is_recorded(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    assert shop.notify(shop.alipay.notification(trade)).status_code == 200
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 5000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "succeeded", r.json
    assert shop.alipay.refunded_fen(trade) == 5000
    assert shop.get(order["id"]).json["refunded_fen"] == 5000
    refund_request = [p for p in shop.alipay.requests if p["method"] == "alipay.trade.refund"][0]
    assert json.loads(refund_request["biz_content"])["refund_amount"] == "50.00"
    # The buyer cancels before shipping: the rest goes back, and the trade closes at Alipay.
    r = shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.buyer_headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled", r.json
    assert shop.alipay.refunded_fen(trade) == 19860 and shop.alipay.trades[trade]["status"] == "TRADE_CLOSED"
    assert shop.get(order["id"]).json["refunded_fen"] == 19860
    # A fully refunded trade reads TRADE_CLOSED: a late notification of it changes nothing.
    assert shop.notify(shop.alipay.notification(trade)).status_code == 200
    assert shop.get(order["id"]).json["status"] == "cancelled"
    assert count(AuditEvent, AuditEvent.action == "refund_succeeded") == 2


def test_a_refund_alipay_pays_out_later_is_settled_by_its_notification(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    assert shop.notify(shop.alipay.notification(trade)).status_code == 200
    shop.alipay.refunds_wait = True
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 5000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "pending", r.json
    assert shop.get(order["id"]).json["refunded_fen"] == 0
    shop.alipay.settle_refunds(trade)
    notified = shop.alipay.notification(trade, refund_fee="50.00", out_biz_no=f"refund_{r.json['id']}")
    assert shop.notify(notified).status_code == 200
    assert shop.get(order["id"]).json["refunded_fen"] == 5000
    assert count(AuditEvent, AuditEvent.action == "refund_succeeded") == 1


def test_a_refund_alipay_refuses_fails_with_its_reason(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    assert shop.notify(shop.alipay.notification(trade)).status_code == 200
    shop.alipay.trades[trade]["status"] = "TRADE_FINISHED"
    shop.alipay.trades[trade]["refunds"]["elsewhere"] = 19800  # refunded at Alipay's site directly
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 5000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "failed"
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in r.json["failure_reason"]
    assert count(Alert, Alert.kind == "refund_failed") == 1


def test_alipay_down_at_checkout_the_order_waits_and_expiry_puts_the_stock_back(shop):
    """Page pay and H5 are links signed here: checkout asks Alipay nothing, so Alipay being down does
    not refuse it. The buyer cannot pay while it is down; at the reservation's end the stock is put
    back as for any unpaid order, though closing the trade at Alipay fails."""
    shop.alipay.fail_next(50)
    order = shop.order()
    assert order.status_code == 201, order.json
    assert shop.stock(shop.orange) == 8
    assert shop.link(order.json["id"]).status_code == 200
    with pytest.raises(PaymentProviderUnavailable):  # the hourly task fails, and runs again later
        payments.reconcile_recent()
    assert shop.get(order.json["id"]).json["status"] == "pending_payment"
    payment = db.session.scalar(db.select(Payment))
    assert payment.status == "pending"
    db.session.commit()
    reservation = timedelta(minutes=shop.client.application.config["RESERVATION_MINUTES"] + 1)
    assert checkout.expire_reservations(at=now() + reservation) == 1
    assert shop.get(order.json["id"]).json["status"] == "expired"
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)


def test_alipay_down_when_a_notification_is_processed_it_is_kept_and_reconciled(shop):
    order = shop.checkout_and_open()
    trade = order["payment"]["payment_intent_id"]
    shop.alipay.pay(trade)
    shop.alipay.fail_next(20, how="system_error")  # the query answers 20000: Alipay is busy
    r = shop.notify(shop.alipay.notification(trade))
    assert (r.status_code, r.get_data(as_text=True)) == (200, "success")  # stored: nothing is lost
    assert db.session.scalar(db.select(WebhookEvent.processed_at)) is None
    assert shop.get(order["id"]).json["status"] == "pending_payment"
    shop.alipay.failures.clear()
    assert payments.reconcile_recent()["intents"] == 1
    assert shop.get(order["id"]).json["status"] == "paid"


def test_reconciliation_queries_pending_alipay_payments_whose_notification_never_came(shop):
    order = shop.checkout_and_open()
    unopened = shop.order([{"product_id": shop.plum.id, "quantity": 1}]).json
    shop.alipay.pay(order["payment"]["payment_intent_id"])
    assert payments.reconcile_recent()["intents"] == 1
    assert shop.get(order["id"]).json["status"] == "paid"
    # A trade the buyer never opened is not at Alipay yet (ACQ.TRADE_NOT_EXIST): it waits.
    assert shop.get(unopened["id"]).json["status"] == "pending_payment"
    assert payments.reconcile_recent()["intents"] == 0


def test_card_through_stripe_and_alipay_direct_each_follow_their_own_provider(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_METHODS", {"alipay": "alipay", "card": "stripe"})
    assert shop.client.get("/api/v1/payment-methods").json == [
        {"method": "alipay", "provider": "alipay"},
        {"method": "card", "provider": "stripe"},
    ]
    by_alipay = shop.checkout_and_open([{"product_id": shop.orange.id, "quantity": 1}])
    by_card = shop.order([{"product_id": shop.plum.id, "quantity": 1}], method="card").json
    assert (by_alipay["payment"]["provider"], by_card["payment"]["provider"]) == ("alipay", "stripe")
    assert shop.link(by_card["id"]).status_code == 409  # no Alipay link for a card payment
    shop.alipay.pay(by_alipay["payment"]["payment_intent_id"])
    shop.stripe.succeed(by_card["payment"]["payment_intent_id"])
    # Neither notification came: the hourly reconciliation asks each provider about its own.
    assert payments.reconcile_recent()["intents"] == 2
    assert [shop.get(o["id"]).json["status"] for o in (by_alipay, by_card)] == ["paid", "paid"]
    for order in (by_alipay, by_card):
        r = shop.client.post(
            f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 100}, headers=shop.admin_headers
        )
        assert r.status_code == 201 and r.json["status"] == "succeeded", r.json
    assert shop.alipay.refunded_fen(by_alipay["payment"]["payment_intent_id"]) == 100
    assert shop.stripe.succeeded_refunds(by_card["payment"]["payment_intent_id"]) == 100
