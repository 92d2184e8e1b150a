"""A webhook that arrives while the broker is down is stored, answered 200, and processed once the
broker is back: the outbox loses nothing."""

import pytest

from marketplace.extensions import celery_app, db
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from marketplace.payments.models import WebhookEvent
from marketplace.payments.services import PROCESS_EVENT


@pytest.fixture
def broker_down():
    """Point the app's Celery at a port where nothing listens (a real connection refusal)."""
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_publish_retry")}
    celery_app.conf.update(
        task_always_eager=False, broker_url="redis://127.0.0.1:1/0", task_publish_retry=False
    )
    forget_connections()
    yield
    celery_app.conf.update(saved)
    forget_connections()


def forget_connections():
    # Celery caches its connection pool and, apart from it, its producer pool: both must go, or
    # later tests in this process would publish to the broker this test switched off.
    celery_app.close()
    celery_app.amqp._producer_pool = None


def test_webhook_during_a_broker_outage_is_kept_and_processed_later(shop, broker_down):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    r = shop.webhook("payment_intent.succeeded", intent)
    assert r.status_code == 200
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.task_name == PROCESS_EVENT))
    assert message.sent_at is None and "OperationalError" in message.last_error
    assert db.session.scalar(db.select(WebhookEvent.processed_at)) is None
    assert shop.get(order["id"]).json["status"] == "pending_payment"

    celery_app.conf.update(task_always_eager=True)  # the broker is back (tasks run here)
    assert outbox.dispatch_pending() == 1
    assert shop.get(order["id"]).json["status"] == "paid"
    assert outbox.dispatch_pending() == 0
