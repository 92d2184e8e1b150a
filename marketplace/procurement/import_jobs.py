"""A draft's lines imported in the background: the upload is kept as a job and a task imports it
(services.import_lines) while the job tells how many rows it has read, then ends with the lines
replaced or with the error the import met, row by row and column by column, written in the
importer's language. One import at a time per order; the file is dropped once read."""

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.errors import Conflict, DomainError, NotFound, error_body, when_taken
from marketplace.extensions import db
from marketplace.i18n import (
    DEFAULT_LOCALE,
    LOCALES,
    N_,
    _,
    force_locale,
    locale_tag,
    translate,
    translate_all,
)
from marketplace.outbox import services as outbox
from marketplace.procurement import imports, services
from marketplace.procurement.models import IMPORT_ACTIVE, ImportJob, ImportState
from marketplace.timeutil import now

IMPORT_TASK = "procurement.import_lines"
STOPPED = N_("The import stopped before it ended; upload the file again.")
RUNNING = N_("An import of this order is still under way; wait for it to end.")
when_taken("uq_po_import_jobs_order_id_active", "file", RUNNING, RUNNING)


class ImportRunning(Conflict):
    error_code = "import_running"


def start_import(actor: User, order_id: int, data: bytes) -> ImportJob:
    """Keep the file as a job of the draft and queue its import (the draft's purchasers); 409 while
    another import of the order is at work."""
    imports.check_size(data)
    order = services.draft_for_import(actor, order_id)
    _abandon_stale(order.id)
    running = db.session.scalar(
        select(ImportJob.id).where(ImportJob.order_id == order.id, ImportJob.state.in_(IMPORT_ACTIVE))
    )
    if running is not None:
        raise ImportRunning(
            _("Import %(job)s of this order is still under way; wait for it to end.", job=running)
        )
    job = ImportJob(
        order_id=order.id,
        created_by_id=actor.id,
        state=ImportState.QUEUED,
        locale=locale_tag(),
        data=data,
        rows_done=0,
    )
    db.session.add(job)
    db.session.flush()
    outbox.enqueue(IMPORT_TASK, job.id)
    db.session.commit()
    return job


def _abandon_stale(order_id: int) -> None:
    """An import not heard from for IMPORT_STALE_SECONDS has lost its worker: it ends as failed, so
    that it holds the order no longer."""
    stale = now() - timedelta(seconds=current_app.config["IMPORT_STALE_SECONDS"])
    error = error_body(503, _(STOPPED), error_code="import_stopped")
    db.session.execute(
        update(ImportJob)
        .where(
            ImportJob.order_id == order_id,
            ImportJob.state.in_(IMPORT_ACTIVE),
            ImportJob.updated_at < stale,
        )
        .values({**_ended(ImportState.FAILED), "error": error})
    )


def get_import(actor: User, order_id: int, job_id: int) -> ImportJob:
    """An import of the order, for its agency's side."""
    order = services.order_for_agency_side(actor, order_id)
    job = db.session.get(ImportJob, job_id)
    if job is None or job.order_id != order.id:
        raise NotFound(_("No import %(job)s of purchase order %(id)s.", job=job_id, id=order_id))
    return job


def run_import(job_id: int) -> str:
    """The task's work: import the job's file into its draft, telling the progress as rows are
    read; a job that has ended already is left as it is (a task run twice imports once)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.state not in (ImportState.QUEUED, ImportState.READING) or job.data is None:
        return job.state if job is not None else "missing"
    order_id, actor_id, data = job.order_id, job.created_by_id, job.data
    with force_locale(LOCALES.get(job.locale, DEFAULT_LOCALE)):
        _tell(job_id, state=ImportState.READING, rows_done=0)
        try:
            actor = db.session.get(User, actor_id)
            if actor is None:
                raise NotFound()
            services.import_lines(actor, order_id, data, _Progress(job_id))
        except DomainError as error:
            db.session.rollback()
            _tell(job_id, **_ended(ImportState.FAILED), error=_answer(error))
            return ImportState.FAILED
    return ImportState.SUCCEEDED


class _Progress:
    """The job told of services.import_lines' progress: each in a transaction of its own, so that
    it can be read at once, but the end in the transaction that writes the lines."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def rows_read(self, done: int, total: int) -> None:
        _tell(self.job_id, rows_done=done, rows_total=total)

    def all_read(self, total: int) -> None:
        _tell(self.job_id, state=ImportState.CHECKING, rows_done=total, rows_total=total)

    def finished(self, lines: int) -> None:
        db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == self.job_id)
            .values(**_ended(ImportState.SUCCEEDED), lines=lines)
        )


def _ended(state: ImportState) -> dict[str, Any]:
    return {"state": state, "data": None, "finished_at": now(), "updated_at": now()}


def _answer(error: DomainError) -> dict[str, Any]:
    """The error as the API would have answered it, in the job's language."""
    return error_body(
        error.status,
        translate(error.message),
        errors=translate_all(error.errors),
        error_code=error.error_code,
    )


def _tell(job_id: int, **values: Any) -> None:
    """Write the job's progress, and commit it."""
    job = update(ImportJob).where(ImportJob.id == job_id)
    db.session.execute(job.values({"updated_at": now(), **values}))
    db.session.commit()
