"""Tasks that declare max_retries retry on a passing failure, as often as declared, and not on a
failure that retrying cannot mend. The tasks run in-process through Celery's own retry path (a
worker would send the retry through the broker, after the backoff)."""

from datetime import timedelta

import pytest
from celery.signals import task_retry
from sqlalchemy.exc import OperationalError

from marketplace.certification import services as certification
from marketplace.certification.tasks import advance_daily
from marketplace.extensions import celery_app, db
from marketplace.ledger.models import LedgerReport
from marketplace.ledger.tasks import make_report
from marketplace.timeutil import china_today


@pytest.fixture
def in_process():
    """Errors stay in the task's result, as on a worker, so that Celery retries instead of raising."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


@pytest.fixture
def retries():
    """Each retry's exception, in order; `on_retry` is called on each (to mend the failure)."""
    seen, hooks = [], []

    def record(sender=None, reason=None, **kwargs):
        seen.append(reason.exc)
        for hook in hooks:
            hook()

    task_retry.connect(record, weak=False)
    yield seen, hooks
    task_retry.disconnect(record)


@pytest.fixture
def report(app, tmp_path, monkeypatch):
    """A report queued while its file store cannot be written: the upload folder's parent is a file
    (as an unmounted or read-only volume fails, with an OSError from the file system)."""
    blocker = tmp_path / "volume"
    blocker.write_text("not a directory")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(blocker / "uploads"))
    monkeypatch.delitem(app.extensions, "storage", raising=False)
    month = (china_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    queued = LedgerReport(month=month, format="csv")
    db.session.add(queued)
    db.session.commit()
    yield queued, blocker
    app.extensions.pop("storage", None)


def test_a_report_whose_file_store_failed_is_made_on_a_retry(in_process, retries, report):
    queued, blocker = report
    seen, hooks = retries
    hooks.append(blocker.unlink)  # the volume comes back
    assert make_report.apply(args=[queued.id]).get() == "ready"
    assert [type(e) for e in seen] == [NotADirectoryError]
    assert db.session.get(LedgerReport, queued.id, populate_existing=True).status == "ready"


def test_a_report_task_retries_as_often_as_declared_then_fails(in_process, retries, report):
    queued, _ = report
    seen, _ = retries
    result = make_report.apply(args=[queued.id])
    assert result.failed() and isinstance(result.result, OSError)
    assert len(seen) == make_report.max_retries == 3


def test_a_failure_retrying_cannot_mend_is_not_retried(in_process, retries, app, monkeypatch):
    seen, _ = retries
    monkeypatch.setattr(certification, "advance_certifications", lambda today=None: {}["no such key"])
    assert advance_daily.apply().failed() and seen == []


def test_the_daily_certification_run_retries_when_the_database_drops_out(
    in_process, retries, app, monkeypatch
):
    seen, _ = retries
    real, calls = certification.advance_certifications, []

    def advance(today=None):
        calls.append(today)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real(today)

    monkeypatch.setattr(certification, "advance_certifications", advance)
    assert advance_daily.apply().get() == {"certified": 0, "expired": 0}
    assert len(calls) == 2 and [type(e) for e in seen] == [OperationalError]
