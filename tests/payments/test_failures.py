"""Money that does not pay its order, refunds the provider will not make, and events it cannot
resolve: each ends in a recorded failure and one alert for admins, and nothing is counted."""

from datetime import timedelta

import pytest

from marketplace.alerts.models import Alert
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.outbox import services as outbox
from marketplace.payments import checkout
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, Refund, WebhookEvent
from marketplace.timeutil import now
from tests.factories import ProductFactory


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def alerts(shop, kind, language="zh-CN"):
    headers = {**shop.admin_headers, "Accept-Language": language}
    r = shop.client.get("/api/v1/alerts", query_string={"kind": kind}, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


@pytest.fixture
def hamper(shop):
    """A ¥150.00 gift box: an order of one is 15,000 fen."""
    return ProductFactory(supplier=shop.supplier_a, name="奉节脐橙礼盒", price_fen=15000, stock=3)


@pytest.mark.parametrize(
    ("received", "currency", "why"),
    [(1, None, "1 fen was received of the 15000 fen owed"), (15000, "usd", "was received in USD")],
    ids=["one_fen", "another_currency"],
)
def test_a_payment_short_or_in_another_currency_leaves_the_order_unpaid_and_alerts_once(
    shop, hamper, received, currency, why
):
    order = shop.order([{"product_id": hamper.id, "quantity": 1}]).json
    assert order["total_fen"] == 15000
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"], received, currency)
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200

    seen = shop.get(order["id"], headers={**shop.buyer_headers, "Accept-Language": "en"}).json
    assert (seen["status"], seen["paid_fen"]) == ("pending_payment", 0)
    assert seen["payment"]["status"] == "failed" and why in seen["payment"]["failure_reason"]
    chinese = shop.get(order["id"]).json["payment"]["failure_reason"]
    assert chinese.startswith(("应付 15000 分", "收到的是 15000（USD")), chinese
    assert count(LedgerEntry) == 0
    assert db.session.scalar(db.select(WebhookEvent.processed_at)) is not None
    [alert] = alerts(shop, "payment_mismatch")
    assert alert["subject_type"] == "payments" and alert["details"]["order_id"] == order["id"]
    assert chinese in alert["message"]  # the reason in the reader's language too, no English inside
    assert why in alerts(shop, "payment_mismatch", "en")[0]["message"]

    # The same payment again, by another event and by the hourly reconciliation: nothing more.
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200
    assert payments.reconcile_recent()["intents"] == 0
    assert len(alerts(shop, "payment_mismatch")) == 1
    assert count(AuditEvent, AuditEvent.action == "payment_rejected") == 1
    assert count(AuditEvent, AuditEvent.action == "pay") == 0
    assert shop.get(order["id"]).json["status"] == "pending_payment" and count(LedgerEntry) == 0

    # Unpaid, it expires like any unpaid order and gives its stock back.
    checkout.expire_reservations(now() + timedelta(minutes=31))
    assert shop.get(order["id"]).json["status"] == "expired" and shop.stock(hamper) == 3


def test_a_short_payment_after_expiry_does_not_take_the_stock_again(shop, hamper):
    order = shop.order([{"product_id": hamper.id, "quantity": 1}]).json
    checkout.expire_reservations(now() + timedelta(minutes=31))
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"], 100)
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200
    assert shop.get(order["id"]).json["status"] == "expired" and shop.stock(hamper) == 3
    assert count(LedgerEntry) == 0 and len(alerts(shop, "payment_mismatch")) == 1


def test_payment_alerts_are_for_admins_not_officers(shop, hamper, make_user):
    _, officer = make_user(("region_officer", "500236"))
    order = shop.order([{"product_id": hamper.id, "quantity": 1}]).json
    shop.webhook("payment_intent.succeeded", shop.stripe.succeed(order["payment"]["payment_intent_id"], 1))
    assert len(alerts(shop, "payment_mismatch")) == 1
    seen = shop.client.get("/api/v1/alerts", headers=officer)
    assert seen.status_code == 200 and seen.json == []


# Refunds the provider will not make ------------------------------------------------------


def test_a_refund_the_provider_refuses_fails_once_with_an_alert_and_is_not_asked_again(shop):
    order = shop.order().json
    intent = shop.pay(order)
    shop.stripe.refund_at_provider(intent["id"])  # already refunded in the provider's dashboard
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 1000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "failed", r.json
    assert "unrefunded" in r.json["failure_reason"]
    assert shop.get(order["id"]).json["refunded_fen"] == 0
    [alert] = alerts(shop, "refund_failed")
    assert alert["subject_id"] == r.json["id"] and alert["details"]["amount_fen"] == 1000

    asked = len([q for q in shop.stripe.requests if q[1] == "/v1/refunds" and q[0] == "POST"])
    for _ in range(2):
        assert payments.reconcile_recent()["refunds_retried"] == 0
    assert len([q for q in shop.stripe.requests if q[1] == "/v1/refunds" and q[0] == "POST"]) == asked
    assert len(alerts(shop, "refund_failed")) == 1


def test_a_declined_refund_fails_and_its_lines_can_be_refunded_again(shop):
    order = shop.order().json
    shop.pay(order)
    line = order["lines"][0]
    shop.stripe.fail_next(1, status=402)
    url = f"/api/v1/orders/{order['id']}/refunds"
    body = {"lines": [{"line_id": line["id"], "quantity": 1}]}
    r = shop.client.post(url, json=body, headers=shop.admin_headers)
    assert r.status_code == 201 and r.json["status"] == "failed"
    assert count(Refund, Refund.status == "pending") == 0 and len(alerts(shop, "refund_failed")) == 1
    assert shop.get(order["id"]).json["lines"][0]["refunded_quantity"] == 0
    again = shop.client.post(url, json=body, headers=shop.admin_headers)
    assert again.status_code == 201 and again.json["status"] == "succeeded"


def test_a_refund_that_fails_later_at_the_provider_is_alerted(shop):
    order = shop.order().json
    shop.pay(order)
    shop.stripe.refund_status = "pending"
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 2500}, headers=shop.admin_headers
    )
    refund = shop.stripe.settle_refund(next(iter(shop.stripe.refunds)), "failed")
    assert shop.webhook("refund.updated", refund).status_code == 200
    assert db.session.get(Refund, r.json["id"]).status == "failed"
    assert len(alerts(shop, "refund_failed")) == 1


# Events the provider cannot resolve --------------------------------------------------------


def test_reconciliation_records_an_event_it_cannot_resolve_alerts_once_and_carries_on(shop, app, monkeypatch):
    monkeypatch.setattr(outbox, "_send", lambda message: None)  # queued, then lost with Redis
    assert (
        shop.webhook("payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"}).status_code
        == 200
    )
    order = shop.order().json
    shop.pay(order)
    timeout = app.config["TASK_VISIBILITY_TIMEOUT_SECONDS"]
    db.session.execute(db.update(WebhookEvent).values(received_at=now() - timedelta(seconds=timeout + 1)))
    db.session.commit()

    assert payments.reconcile_recent()["events"] == 2
    assert shop.get(order["id"]).json["status"] == "paid"
    unknown = db.session.scalar(db.select(WebhookEvent).where(WebhookEvent.object_id == "pi_unknown"))
    assert unknown.processed_at is not None and "pi_unknown" in unknown.error
    [alert] = alerts(shop, "payment_event_failed")
    assert alert["subject_id"] == unknown.id

    asked = len(shop.stripe.requests)
    assert payments.reconcile_recent()["events"] == 0
    assert not [q for q in shop.stripe.requests[asked:] if "pi_unknown" in q[1]]
    assert len(alerts(shop, "payment_event_failed")) == 1


def test_an_event_for_an_unknown_payment_is_not_sent_again_and_again(shop):
    assert (
        shop.webhook("payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"}).status_code
        == 200
    )
    assert db.session.scalar(db.select(WebhookEvent.error)) is not None
    assert outbox.dispatch_pending() == 0
    assert count(Alert, Alert.kind == "payment_event_failed") == 1
    assert count(Payment) == 0


def test_the_development_gateway_refuses_an_intent_it_does_not_know_as_stripe_does(shop, app, monkeypatch):
    """Its intents live in process memory: after a restart, a stored event for one is recorded as
    failed and alerted, as with Stripe, instead of holding up the reconciliation every hour."""
    monkeypatch.setitem(app.config, "PAYMENT_GATEWAY", "dev")
    stored = WebhookEvent(
        provider="dev",
        event_id="evt_dev_lost",
        event_type="payment_intent.succeeded",
        object_id="pi_dev_lost",
        payload={"data": {"object": {"id": "pi_dev_lost", "object": "payment_intent"}}},
    )
    db.session.add(stored)
    db.session.commit()
    assert payments.process_event(stored.id) == "failed"
    event = db.session.scalar(db.select(WebhookEvent))
    assert event.processed_at is not None and "no intent pi_dev_lost" in event.error
    assert count(Alert, Alert.kind == "payment_event_failed") == 1
