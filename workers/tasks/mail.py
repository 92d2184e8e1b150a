import smtplib

from celery import shared_task

from marketplace import mail


@shared_task(
    name="mail.send",
    acks_late=True,
    # A server that is down or answers 4xx is tried again; a 5xx refusal is final (mail.deliver).
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=1800,
    max_retries=10,
)
def send(name: str, params: dict) -> str:
    """Render and send one mail the outbox queued."""
    return mail.deliver(name, params)
