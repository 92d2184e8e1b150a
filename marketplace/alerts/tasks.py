from celery import shared_task

from marketplace.alerts import services


@shared_task(name="alerts.raise_daily", acks_late=True)
def raise_daily() -> dict:
    """Targets behind pace, unsold stock (滞销), payments never reconciled, certificates expiring
    (idempotent)."""
    return services.raise_daily()
