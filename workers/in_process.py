"""The beat schedule on the embedded default: `make run` needs no Redis, worker or beat.

Without a broker (no REDIS_URL) a task runs in the process that applies it (task_always_eager).
With SCHEDULE_IN_PROCESS the serving process runs Celery beat's own scheduler in a daemon thread
as well: the entries of workers.beat.SCHEDULE, in China time, fall due as beat finds them due and
are applied as beat applies them (so they run right there, each in an app context of its own). When
each entry last ran is kept in SCHEDULE_FILE as beat keeps it, so that what fell due while the app
was down runs once when it is started again. A task that fails is logged and the schedule goes on.

It runs only in a process that serves (`flask run`, in the process the reloader starts when there
is one, or a WSGI server), never in a one-off command (`flask db upgrade`, `flask seed demo`), and
once per process. It is for the embedded default's one process: where several serve (gunicorn -w 4),
the first to lock SCHEDULE_FILE's lock file runs it and the others leave it to that one.
"""

import logging
import os
import threading
import time
from typing import IO

import click

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one process there, as the docstring says
    fcntl = None  # type: ignore[assignment]
from celery import Celery
from celery.beat import PersistentScheduler
from flask import Flask
from flask.helpers import get_debug_flag
from werkzeug.serving import is_running_from_reloader

log = logging.getLogger(__name__)
_running: list["InProcessBeat"] = []
_locks: list[IO[bytes]] = []  # held open, and so locked, while the process lives


class InProcessBeat(threading.Thread):
    """Beat's tick loop: run what is due, then wait until the next entry is (at most tick_seconds)."""

    def __init__(self, celery: Celery, filename: str, tick_seconds: float):
        super().__init__(name="in-process-beat", daemon=True)
        self.celery, self.filename, self.tick_seconds = celery, filename, tick_seconds

    def run(self) -> None:
        # Opened in this thread, which alone uses it: a shelve's database may be bound to its thread.
        scheduler = PersistentScheduler(
            app=self.celery,
            schedule_filename=self.filename,
            max_interval=self.tick_seconds,
            sync_every_tasks=1,  # each run written down as soon as it is done
        )
        while True:
            try:
                wait = scheduler.tick()  # logs a task that raised, and carries on
            except Exception:
                log.exception("The in-process schedule could not tick; it tries again")
                wait = self.tick_seconds
            # Beat answers a negative wait for an entry already overdue (seen at 01:11 China time,
            # just past the monthly reports' 01:00): tick again at once, not let the thread die.
            time.sleep(max(wait, 0.1))


def start(app: Flask) -> None:
    """Run the schedule in this process when the settings ask for it and the process serves."""
    if not app.config["SCHEDULE_IN_PROCESS"] or not _serves() or _running:
        return
    if app.config["REDIS_URL"]:
        log.warning(
            "SCHEDULE_IN_PROCESS is ignored with REDIS_URL: `celery -A workers beat` runs the schedule"
        )
        return
    filename = app.config["SCHEDULE_FILE"] or os.path.join(app.instance_path, "schedule")
    os.makedirs(os.path.dirname(filename), exist_ok=True)
    lock = hold_lock(filename + ".lock")
    if lock is None:
        log.info("Another process runs the in-process schedule (%s is locked)", filename + ".lock")
        return
    _locks.append(lock)
    beat = InProcessBeat(app.extensions["celery"], filename, app.config["SCHEDULE_TICK_SECONDS"])
    _running.append(beat)
    beat.start()


def hold_lock(path: str) -> IO[bytes] | None:
    """The lock file, opened and locked for this process alone; None when another process holds it."""
    handle = open(path, "ab")  # noqa: SIM115 - held open for the process's life
    if fcntl is None:
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _serves() -> bool:
    """Whether this process serves requests: a WSGI server's, or `flask run`'s (with the reloader,
    the process it starts, not the one watching the files); not a command such as `flask db upgrade`
    or `celery worker`."""
    context = click.get_current_context(silent=True)
    if context is None:
        return True
    if context.command.name != "run":
        return False
    reload = context.params.get("reload")
    return not (get_debug_flag() if reload is None else reload) or is_running_from_reloader()
