from celery import shared_task

from marketplace.outbox import services as outbox


@shared_task(name="outbox.dispatch_pending")
def dispatch_pending() -> int:
    """Send what could not reach the queue (Redis down) when it was written."""
    return outbox.dispatch_pending()
