from celery import Task, shared_task

from marketplace.payments import checkout
from marketplace.payments import services as payments
from marketplace.payments.gateways import PaymentProviderUnavailable


@shared_task(
    name="payments.process_event",
    bind=True,
    # Acknowledged only once done, and put back on the queue if the process running it dies (a
    # killed worker's unacknowledged task goes to another after the visibility timeout).
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(PaymentProviderUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=12,
)
def process_event(self: Task[[int], str], webhook_event_id: int) -> str:
    """Apply a stored provider event (idempotent: a redelivery after a crash changes nothing twice)."""
    return payments.process_event(webhook_event_id)


@shared_task(name="payments.claim_received", acks_late=True)
def claim_received() -> int:
    """Send the processing of the webhook events intake stored and handed over."""
    return payments.claim_received()


@shared_task(name="payments.reconcile_recent", acks_late=True)
def reconcile_recent() -> dict[str, int]:
    """Repair orders whose webhook never came; retry refunds the provider did not take."""
    return payments.reconcile_recent()


# Named for the orders it expires, as the beat schedule (and any schedule stored from it) calls it.
@shared_task(name="orders.expire_reservations", acks_late=True)
def expire_reservations() -> int:
    """Release the stock of orders unpaid past their reservation and cancel their payments."""
    return checkout.expire_reservations()
