"""A webhook that arrives while the broker is down is stored, answered 200, and processed once the
broker is back: the outbox loses nothing."""

from marketplace.extensions import celery_app, db
from marketplace.outbox import services as outbox
from marketplace.outbox.models import OutboxMessage
from marketplace.payments.models import WebhookEvent
from marketplace.payments.services import PROCESS_EVENT


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
