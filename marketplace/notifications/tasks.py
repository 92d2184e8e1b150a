from celery import shared_task

from marketplace import sms as channel
from marketplace.notifications import digest, sms


@shared_task(
    name=sms.SEND_SMS,
    acks_late=True,
    # The provider unreachable or busy: the message was not sent, and is tried again later. Any other
    # end (sent, refused, no answer) is final: a message cannot be taken back, so none goes twice.
    autoretry_for=(channel.SmsUnavailable,),
    retry_backoff=True,
    retry_backoff_max=1800,
    max_retries=10,
)
def send_sms(notification_id: int) -> str:
    """Text one notification to its user, once at most."""
    return sms.deliver(notification_id)


@shared_task(name="notifications.send_weekly_digests", acks_late=True)
def send_weekly_digests() -> int:
    """Each officer's digest of the open alerts of their regions, once a week (idempotent)."""
    return digest.send_weekly_digests()
