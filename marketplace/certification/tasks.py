from datetime import date

from celery import shared_task
from sqlalchemy.exc import OperationalError

from marketplace.certification import services


@shared_task(
    name="certification.advance_daily",
    bind=True,
    acks_late=True,
    # The database out of reach for a moment; waits grow to 10 minutes, under the visibility timeout.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def advance_daily(self, today: str | None = None) -> dict:
    """Certify ended notices, expire lapsed certificates, alert 30 days ahead (idempotent)."""
    return services.advance_certifications(date.fromisoformat(today) if today else None)
