from datetime import date

from celery import shared_task

from marketplace.certification import services


@shared_task(name="certification.advance_daily", bind=True, acks_late=True, max_retries=5)
def advance_daily(self, today: str | None = None) -> dict:
    """Certify ended notices, expire lapsed certificates, alert 30 days ahead (idempotent)."""
    return services.advance_certifications(date.fromisoformat(today) if today else None)
