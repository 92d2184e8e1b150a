"""The beat schedule names only tasks a worker has (the modules it is told to include)."""

import importlib

from marketplace.extensions import celery_app
from workers.beat import SCHEDULE, TASK_MODULES


def test_every_scheduled_task_is_one_a_worker_registers():
    for module in TASK_MODULES:
        importlib.import_module(module)
    assert {entry["task"] for entry in SCHEDULE.values()} - set(celery_app.tasks) == set()
    assert "ledger.make_stale_reports" in {entry["task"] for entry in SCHEDULE.values()}
