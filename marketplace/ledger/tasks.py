from celery import shared_task
from sqlalchemy.exc import OperationalError

from marketplace.ledger import reports
from marketplace.storage import StorageUnavailable


@shared_task(
    name="ledger.make_report",
    bind=True,
    acks_late=True,
    # The database or the file store out of reach for a moment (OSError: a full or unmounted disk,
    # a connection refused; StorageUnavailable: the object store); waits grow to 10 minutes, under
    # the visibility timeout.
    autoretry_for=(OperationalError, OSError, StorageUnavailable),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=3,
)
def make_report(self, report_id: int) -> str:
    """Build a requested monthly ledger (台账) file and store it."""
    return reports.make_report(report_id)


@shared_task(name="ledger.monthly_reports", acks_late=True)
def monthly_reports() -> int:
    """On the first of each month: the whole ledger of the month before, XLSX and CSV."""
    return len(reports.request_last_month())


@shared_task(name="ledger.make_stale_reports", acks_late=True)
def make_stale_reports() -> int:
    """Make requested reports whose task never ran (lost with a Redis restart)."""
    return reports.make_stale()
