"""Stripe's webhooks and the hourly reconciliation: an event is verified, stored and processed once,
read against the provider's current state; what a lost webhook or a lost task left undone is repaired;
the development gateway confirms a payment locally."""

import time
from datetime import timedelta

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.outbox import services as outbox
from marketplace.payments import services as payments
from marketplace.payments.models import WebhookEvent
from marketplace.timeutil import now


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_payment_succeeded_webhook_marks_the_order_paid_once(shop):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    body_sig = shop.stripe.event(
        "payment_intent.succeeded", intent, "whsec_test_marketplace", event_id="evt_same"
    )
    for _ in range(2):
        r = shop.client.post(
            "/api/v1/webhooks/stripe", data=body_sig[0], headers={"Stripe-Signature": body_sig[1]}
        )
        assert r.status_code == 200
    assert r.json == {"received": True, "duplicate": True}
    paid = shop.get(order["id"]).json
    assert paid["status"] == "paid" and paid["paid_fen"] == order["total_fen"]
    assert count(WebhookEvent) == 1
    assert count(AuditEvent, AuditEvent.action == "pay") == 1
    # A second, different event for the same payment changes nothing either.
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200
    assert count(AuditEvent, AuditEvent.action == "pay") == 1


def test_bad_and_stale_signatures_are_400_and_store_nothing(shop):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    body, signature = shop.stripe.event("payment_intent.succeeded", intent, "whsec_wrong")
    r = shop.client.post("/api/v1/webhooks/stripe", data=body, headers={"Stripe-Signature": signature})
    assert r.status_code == 400 and r.json["error_code"] == "bad_signature"
    assert r.json["message"] == "Stripe-Signature 请求头验签未通过。"
    english = {"Stripe-Signature": signature, "Accept-Language": "en"}
    r = shop.client.post("/api/v1/webhooks/stripe", data=body, headers=english)
    assert r.json["message"] == "The Stripe-Signature header does not verify."
    stale = shop.webhook("payment_intent.succeeded", intent, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 400
    r = shop.client.post("/api/v1/webhooks/stripe", data=body)
    assert r.status_code == 400
    assert count(WebhookEvent) == 0 and shop.get(order["id"]).json["status"] == "pending_payment"


def test_events_out_of_order_follow_the_providers_current_state(shop):
    order = shop.order().json
    intent_id = order["payment"]["payment_intent_id"]
    failed = shop.stripe.fail_payment(intent_id)
    shop.stripe.succeed(intent_id)  # the buyer retried with another card
    # The stale failure arrives after the success: re-reading the intent shows it succeeded.
    assert shop.webhook("payment_intent.payment_failed", failed).status_code == 200
    assert shop.get(order["id"]).json["status"] == "paid"


def test_reconciliation_repairs_an_order_whose_webhook_never_came(shop):
    order = shop.order().json
    shop.stripe.succeed(order["payment"]["payment_intent_id"])
    assert shop.get(order["id"]).json["status"] == "pending_payment"
    assert payments.reconcile_recent()["intents"] == 1
    assert shop.get(order["id"]).json["status"] == "paid"
    assert payments.reconcile_recent()["intents"] == 0


def test_reconciliation_processes_events_whose_task_redis_lost(shop, app, monkeypatch):
    """Redis took the task and then restarted without it: the stored event is processed by the
    hourly reconciliation once the visibility timeout has passed, not before."""
    monkeypatch.setattr(outbox, "_send", lambda message: None)  # queued, then lost with Redis
    order = shop.order().json
    shop.pay(order)
    assert db.session.scalar(db.select(WebhookEvent.processed_at)) is None
    assert payments.reconcile_recent()["events"] == 0  # a worker may still have it

    timeout = app.config["TASK_VISIBILITY_TIMEOUT_SECONDS"]
    db.session.execute(db.update(WebhookEvent).values(received_at=now() - timedelta(seconds=timeout + 1)))
    db.session.commit()
    assert payments.reconcile_recent()["events"] == 1
    assert db.session.scalar(db.select(WebhookEvent.processed_at)) is not None
    assert shop.get(order["id"]).json["status"] == "paid"
    assert payments.reconcile_recent()["events"] == 0


def test_development_gateway_confirms_a_payment_locally(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_GATEWAY", "dev")
    order = shop.order().json
    assert order["payment"]["provider"] == "dev" and "DEVELOPMENT_ONLY" in order["payment"]["client_secret"]
    url = f"/api/v1/dev/orders/{order['id']}/confirm-payment"
    assert shop.client.post(url, json={}, headers=shop.other_headers).status_code == 404
    r = shop.client.post(url, json={}, headers=shop.buyer_headers)
    assert r.json["outcome"] == "paid"
    assert r.json["warning"] == "开发用模拟支付机构（DEVELOPMENT GATEWAY）：没有真实资金往来。"
    assert shop.get(order["id"]).json["status"] == "paid"
    monkeypatch.setitem(app.config, "PAYMENT_GATEWAY", "stripe")
    assert shop.client.post(url, json={}, headers=shop.buyer_headers).status_code == 404
