from celery import shared_task
from sqlalchemy.exc import OperationalError

from marketplace.outbox import services as outbox
from marketplace.procurement import import_jobs


@shared_task(
    name=import_jobs.IMPORT_TASK,
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def import_lines(self, job_id: int) -> str:
    """Import an uploaded file's lines into its draft, telling the job's progress."""
    return import_jobs.run_import(job_id)


# Seconds of work: on the embedded default it runs on the background thread, not in the request.
outbox.run_apart(import_jobs.IMPORT_TASK)
