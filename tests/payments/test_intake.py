"""Webhook intake with a broker: an event is verified, stored and answered, and handed over through
Redis to the claim task, which sends its processing; a burst sends one claim. Processed behind the
answer, each payment is applied once, whatever was resent, duplicated or lost on the way."""

import time

import pytest
import redis

from marketplace.audit.models import AuditEvent
from marketplace.extensions import celery_app, db
from marketplace.ledger.models import LedgerEntry
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from marketplace.payments import services as payments
from marketplace.payments.models import WebhookEvent
from tests.conftest import forget_connections

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def broker(app, redis_url):
    """The app's Celery publishing to the test's Redis, as in production (no task runs here); yields
    that Redis. `worker()` then runs, here, what a worker would."""
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    forget_connections()
    yield redis.Redis.from_url(redis_url)
    celery_app.conf.update(saved)
    forget_connections()


def queued(client: redis.Redis) -> int:
    """The messages on Celery's default queue."""
    return client.llen("celery")


def worker() -> int:
    """What a worker does with the claim task: the processing it sends runs here, at once."""
    celery_app.conf.update(task_always_eager=True)
    try:
        return payments.claim_received()
    finally:
        celery_app.conf.update(task_always_eager=False)


def count(model, *where):
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_a_burst_is_answered_before_processing_and_each_payment_is_applied_once(shop, broker):
    first, second = shop.order().json, shop.order(key="the-second").json
    intent = shop.stripe.succeed(first["payment"]["payment_intent_id"])
    body, signature = shop.stripe.event("payment_intent.succeeded", intent, "whsec_test_marketplace")
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    assert shop.client.post("/api/v1/webhooks/stripe", data=body, headers=headers).json == {
        "received": True,
        "duplicate": False,
    }
    # The provider sends it again (no answer came in time): a duplicate, as always.
    again = shop.client.post("/api/v1/webhooks/stripe", data=body, headers=headers)
    assert again.status_code == 200 and again.json == {"received": True, "duplicate": True}
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200  # another event, same payment
    shop.pay(second)
    stale = int(time.time()) - 3600
    assert shop.webhook("payment_intent.succeeded", intent, timestamp=stale).status_code == 400  # nothing

    assert count(WebhookEvent) == 3 and count(WebhookEvent, WebhookEvent.processed_at.is_(None)) == 3
    assert shop.get(first["id"]).json["status"] == "pending_payment"  # answered, not yet processed
    assert queued(broker) == 1  # one claim for the burst
    assert count(OutboxMessage, OutboxMessage.task_name == payments.PROCESS_EVENT) == 0

    assert worker() == 4  # the resent event was handed over twice: processing it again changes nothing
    assert [shop.get(o["id"]).json["status"] for o in (first, second)] == ["paid", "paid"]
    assert count(WebhookEvent, WebhookEvent.processed_at.is_(None)) == 0
    assert count(AuditEvent, AuditEvent.action == "pay") == 2
    assert count(LedgerEntry) == 4  # two lines an order, each booked once
    assert worker() == 0

    # A resend of an event processed already is a duplicate handed over to no one.
    assert shop.client.post("/api/v1/webhooks/stripe", data=body, headers=headers).json["duplicate"] is True
    assert worker() == 0


def test_a_crash_between_storing_and_answering_is_repaired_by_the_providers_resend(shop, broker, monkeypatch):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    body, signature = shop.stripe.event("payment_intent.succeeded", intent, "whsec_test_marketplace")
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}

    def crash(webhook_event_id):
        raise SystemExit("the process died after the commit")

    with monkeypatch.context() as dying:
        dying.setattr(payments, "_hand_over", crash)
        with pytest.raises(SystemExit):
            shop.client.post("/api/v1/webhooks/stripe", data=body, headers=headers)
    assert count(WebhookEvent) == 1 and worker() == 0  # stored, and handed over to no one

    # No 200 came, so the provider sends it again.
    assert shop.client.post("/api/v1/webhooks/stripe", data=body, headers=headers).json["duplicate"] is True
    assert worker() == 1
    assert shop.get(order["id"]).json["status"] == "paid"
    assert count(AuditEvent, AuditEvent.action == "pay") == 1


def test_intake_with_redis_unreachable_answers_200_and_the_beat_processes_it_later(
    shop, broker, app, monkeypatch
):
    order = shop.order().json
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    r = shop.webhook("payment_intent.succeeded", intent)
    assert r.status_code == 200 and r.json == {"received": True, "duplicate": False}
    assert count(WebhookEvent, WebhookEvent.processed_at.is_(None)) == 1
    message = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.task_name == payments.PROCESS_EVENT)
    )
    assert message.task_name == payments.PROCESS_EVENT and message.sent_at is None
    assert "ConnectionError" in message.last_error
    assert shop.get(order["id"]).json["status"] == "pending_payment"

    monkeypatch.undo()  # Redis is back: beat's dispatch of the outbox sends the processing
    celery_app.conf.update(task_always_eager=True)
    assert outbox.dispatch_pending() == 1
    assert shop.get(order["id"]).json["status"] == "paid"
    assert count(AuditEvent, AuditEvent.action == "pay") == 1
    assert outbox.dispatch_pending() == 0
