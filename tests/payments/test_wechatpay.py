"""WeChat Pay API v3: the real `wechatpayv3` SDK, over HTTP, against tests/wechatpay_server.py, which
checks the merchant's signatures, signs its answers and notifications with a platform key made here
and encrypts their resources with the APIv3 key."""

import pytest

from marketplace.alerts.models import Alert
from marketplace.config import ConfigError, load
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, Refund, WebhookEvent
from tests.wechatpay_server import APIV3_KEY, APPID, MCHID, MERCHANT_SERIAL, FakeWechatPay

NOTIFY = "/api/v1/webhooks/wechat-pay"


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


@pytest.fixture(scope="module")
def fake_wechatpay():
    server = FakeWechatPay()
    yield server
    server.close()


@pytest.fixture
def wechat(shop, app, fake_wechatpay, monkeypatch, tmp_path):
    """The shop offering WeChat Pay through its own gateway (cards still through Stripe)."""
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(fake_wechatpay.merchant_private_pem)
    settings = {
        "PAYMENT_METHODS": {"wechat_pay": "wechatpay", "card": "stripe"},
        "WECHATPAY_MCHID": MCHID,
        "WECHATPAY_APPID": APPID,
        "WECHATPAY_PRIVATE_KEY_FILE": str(key_file),
        "WECHATPAY_CERT_SERIAL_NO": MERCHANT_SERIAL,
        "WECHATPAY_APIV3_KEY": APIV3_KEY,
        "WECHATPAY_API_BASE": fake_wechatpay.url,
    }
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("payment_gateway", None)
    fake_wechatpay.reset()
    yield Wechat(shop, fake_wechatpay)
    app.extensions.pop("payment_gateway", None)


class Wechat:
    def __init__(self, shop, server):
        self.shop, self.server = shop, server

    def order(self, **kwargs):
        return self.shop.order(method="wechat_pay", **kwargs)

    def notify(self, headers, body):
        return self.shop.client.post(
            NOTIFY, data=body, headers={**headers, "Content-Type": "application/json"}
        )

    def pay(self, order, total=None):
        """The buyer pays at WeChat Pay, which then notifies us: (the answer, the notification)."""
        trade = self.server.pay(order["payment"]["payment_intent_id"], total=total)
        sent = self.server.notification("TRANSACTION.SUCCESS", trade)
        return self.notify(*sent), sent


def test_native_payment_shows_a_code_and_is_paid_by_its_verified_notification(wechat):
    order = wechat.order().json
    payment = order["payment"]
    assert (payment["provider"], payment["method"]) == ("wechatpay", "wechat_pay")
    assert payment["qr_code"].startswith("weixin://wxpay/bizpayurl?pr=") and payment["redirect_url"] is None
    trade = wechat.server.trades[payment["payment_intent_id"]]
    assert trade["amount"] == {"total": order["total_fen"], "currency": "CNY"}
    assert trade["notify_url"].endswith(NOTIFY)

    r, _ = wechat.pay(order)
    assert r.status_code == 204 and r.data == b""
    assert wechat.shop.get(order["id"]).json["status"] == "paid"
    assert count(LedgerEntry) == 2  # one entry per line
    assert db.session.scalar(db.select(WebhookEvent.event_type)) == "TRANSACTION.SUCCESS"


def test_h5_payment_on_a_phone_gets_a_page_to_open_with_the_buyers_address(wechat):
    order = wechat.order(device="mobile").json
    assert order["payment"]["qr_code"] is None
    assert order["payment"]["redirect_url"].startswith("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb")
    created = [body for method, path, body in wechat.server.requests if path == "/v3/pay/transactions/h5"]
    assert created[0]["scene_info"] == {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}


def test_a_duplicate_notification_changes_nothing(wechat):
    order = wechat.order().json
    first, sent = wechat.pay(order)
    again = wechat.notify(*sent)
    assert (first.status_code, again.status_code) == (204, 204)
    # WeChat Pay may also notify the same trade under another id: processing asks for the trade again.
    other = wechat.notify(
        *wechat.server.notification("TRANSACTION.SUCCESS", wechat.server.trades[sent_id(order)])
    )
    assert other.status_code == 204
    assert count(WebhookEvent) == 2
    assert count(LedgerEntry) == 2
    assert wechat.shop.get(order["id"]).json["paid_fen"] == order["total_fen"]


def sent_id(order):
    return order["payment"]["payment_intent_id"]


def test_a_notification_arriving_after_reconciliation_paid_the_order_changes_nothing(wechat):
    order = wechat.order().json
    trade = wechat.server.pay(sent_id(order))
    late = wechat.server.notification("TRANSACTION.SUCCESS", trade)
    assert payments.reconcile_recent()["intents"] == 1  # the query finds it paid
    assert wechat.shop.get(order["id"]).json["status"] == "paid"
    assert wechat.notify(*late).status_code == 204
    assert count(LedgerEntry) == 2
    assert payments.reconcile_recent()["intents"] == 0


@pytest.mark.parametrize("tamper", ["other_key", "body", "stale", "no_signature"])
def test_a_notification_that_does_not_verify_is_401_and_changes_nothing(wechat, tamper):
    from cryptography.hazmat.primitives.asymmetric import rsa

    order = wechat.order().json
    trade = wechat.server.pay(sent_id(order))
    if tamper == "other_key":
        headers, body = wechat.server.notification(
            "TRANSACTION.SUCCESS",
            trade,
            sign_with=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )
    elif tamper == "stale":
        headers, body = wechat.server.notification("TRANSACTION.SUCCESS", trade, timestamp=1_700_000_000)
    else:
        headers, body = wechat.server.notification("TRANSACTION.SUCCESS", trade)
        if tamper == "body":
            body = body.replace(b'"TRANSACTION.SUCCESS"', b'"REFUND.SUCCESS"')
        else:
            headers = {k: v for k, v in headers.items() if k != "Wechatpay-Signature"}
    r = wechat.notify(headers, body)
    assert r.status_code == 401
    assert r.json["code"] == "FAIL"
    assert count(WebhookEvent) == 0
    assert wechat.shop.get(order["id"]).json["status"] == "pending_payment"


def test_a_short_payment_is_refused_and_the_order_stays_unpaid(wechat):
    order = wechat.order().json
    r, _ = wechat.pay(order, total=order["total_fen"] - 100)
    assert r.status_code == 204  # received; it does not pay the order
    seen = wechat.shop.get(order["id"]).json
    assert seen["status"] == "pending_payment" and seen["paid_fen"] == 0
    assert seen["payment"]["status"] == "failed"
    assert count(LedgerEntry) == 0
    assert count(Alert, Alert.kind == "payment_mismatch") == 1


def test_a_refund_is_asked_for_and_settled_by_its_notification(wechat):
    order = wechat.order().json
    wechat.pay(order)
    r = wechat.shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 500}, headers=wechat.shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "pending"  # WeChat Pay answers PROCESSING
    out_refund_no = f"refund-{r.json['id']}"
    asked = wechat.server.refunds[out_refund_no]
    assert asked["amount"]["refund"] == 500 and asked["amount"]["total"] == order["total_fen"]

    refund = wechat.server.settle_refund(out_refund_no)
    told = wechat.notify(*wechat.server.notification("REFUND.SUCCESS", wechat.server.refund_resource(refund)))
    assert told.status_code == 204
    assert db.session.get(Refund, r.json["id"]).status == "succeeded"
    assert wechat.shop.get(order["id"]).json["refunded_fen"] == 500
    assert db.session.scalar(db.select(db.func.sum(LedgerEntry.amount_fen))) == order["total_fen"] - 500


def test_the_provider_down_at_checkout_is_503_and_reserves_nothing(wechat):
    wechat.server.fail_next(5, status=500)
    r = wechat.order()
    assert r.status_code == 503
    assert (wechat.shop.stock(wechat.shop.orange), wechat.shop.stock(wechat.shop.plum)) == (10, 5)
    assert count(Payment) == 0
    wechat.server.failures.clear()
    again = wechat.order()
    assert again.status_code == 201, again.json
    assert (wechat.shop.stock(wechat.shop.orange), wechat.shop.stock(wechat.shop.plum)) == (8, 4)


def test_cancelling_an_unpaid_order_closes_its_trade(wechat):
    order = wechat.order().json
    r = wechat.shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=wechat.shop.buyer_headers)
    assert r.status_code == 200 and r.json["payment"]["status"] == "canceled"
    assert wechat.server.trades[sent_id(order)]["trade_state"] == "CLOSED"


def test_wechat_pay_is_configured_in_full_or_refused_at_start_up():
    offered = {"ENV": "development", "PAYMENT_METHODS": {"wechat_pay": "wechatpay"}}
    with pytest.raises(ConfigError, match="WeChat Pay needs MARKETPLACE_WECHATPAY_MCHID"):
        load("/tmp", offered)
    complete = {
        "WECHATPAY_MCHID": MCHID,
        "WECHATPAY_APPID": APPID,
        "WECHATPAY_PRIVATE_KEY_FILE": "/run/secrets/apiclient_key.pem",
        "WECHATPAY_CERT_SERIAL_NO": MERCHANT_SERIAL,
    }
    with pytest.raises(ConfigError, match="32-character APIv3 key"):
        load("/tmp", {**offered, **complete, "WECHATPAY_APIV3_KEY": "short"})
    assert load("/tmp", {**offered, **complete, "WECHATPAY_APIV3_KEY": APIV3_KEY})
    with pytest.raises(ConfigError, match="does not take 'card'"):
        load("/tmp", {"ENV": "development", "PAYMENT_METHODS": {"card": "wechatpay"}})


def test_a_notification_where_wechat_pay_is_not_offered_is_401(shop):
    r = shop.client.post(NOTIFY, data=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json == {"code": "FAIL", "message": "本站未开通微信支付。"}
