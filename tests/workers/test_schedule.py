"""The beat schedule names only tasks a worker has (the modules it is told to include), and its
times are China's."""

import importlib
from copy import copy
from datetime import datetime, timedelta

from marketplace.extensions import celery_app
from marketplace.timeutil import CHINA
from workers.beat import SCHEDULE, TASK_MODULES


def test_every_scheduled_task_is_one_a_worker_registers():
    for module in TASK_MODULES:
        importlib.import_module(module)
    assert {entry["task"] for entry in SCHEDULE.values()} - set(celery_app.tasks) == set()
    assert "ledger.make_stale_reports" in {entry["task"] for entry in SCHEDULE.values()}


def test_monthly_ledger_reports_fall_due_once_on_the_first_at_one_in_china_time(app):
    # Due as the Celery app create_app configures finds it due (beat's, and the in-process one's).
    schedule = copy(SCHEDULE["monthly-ledger-reports"]["schedule"])
    clock = datetime(2026, 1, 31, 0, 0, tzinfo=CHINA)
    schedule.nowfun = lambda: clock
    last_run, fired = clock, []
    while clock < datetime(2026, 2, 2, tzinfo=CHINA):  # beat ticking every minute for two days
        clock += timedelta(minutes=1)
        if schedule.is_due(last_run)[0]:
            fired.append(clock)
            last_run = clock
    assert fired == [datetime(2026, 2, 1, 1, 0, tzinfo=CHINA)]


def test_of_several_serving_processes_only_the_one_holding_the_lock_runs_the_schedule(tmp_path):
    """gunicorn -w 4 on the embedded default: each worker starts the app, one runs the schedule."""
    from workers.in_process import hold_lock

    path = str(tmp_path / "schedule.lock")
    first = hold_lock(path)
    assert first is not None
    assert hold_lock(path) is None  # the next worker leaves it to the first
    first.close()  # the first worker ends
    again = hold_lock(path)
    assert again is not None
    again.close()
