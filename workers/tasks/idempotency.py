from celery import shared_task

from marketplace import idempotency


@shared_task(name="idempotency.purge_expired", acks_late=True)
def purge_expired() -> int:
    """Forget Idempotency-Keys past their window (IDEMPOTENCY_KEY_HOURS)."""
    return idempotency.purge_expired()
