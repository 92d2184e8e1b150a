from celery import shared_task

from marketplace.notifications import digest


@shared_task(name="notifications.send_weekly_digests", acks_late=True)
def send_weekly_digests() -> int:
    """Each officer's digest of the open alerts of their regions, once a week (idempotent)."""
    return digest.send_weekly_digests()
