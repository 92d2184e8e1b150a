"""Messages are sent by one hook, when the transaction that enqueued them commits: no view or
service dispatches. A transaction rolled back (or a savepoint) takes its messages with it.

Without a broker a task runs in the process, at once; a task named to `run_apart` (one that takes
seconds, such as a purchase order's import) runs on the process's one background thread instead,
so that the request which queued it is answered first."""

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, event, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction

from marketplace.extensions import celery_app, db
from marketplace.outbox.models import OutboxMessage
from marketplace.timeutil import now

log = logging.getLogger(__name__)
# Where a session keeps the messages its open transaction enqueued.
PENDING = "outbox_pending"
# The embedded default's worker for tasks that run apart: one thread, so they run one at a time.
_APART = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-apart")
_RUN_APART: set[str] = set()


def run_apart(task_name: str) -> None:
    """Have this task run on the background thread, not in the request, where there is no broker."""
    _RUN_APART.add(task_name)


def enqueue(task_name: str, *args: object) -> OutboxMessage:
    """Add a message to the caller's transaction; it is sent when that transaction commits."""
    message = OutboxMessage(task_name=task_name, args=list(args))
    db.session.add(message)
    db.session.info.setdefault(PENDING, []).append(message)
    return message


def keep(task_name: str, *args: object, error: Exception) -> None:
    """Write a message that a sender could not hand to the broker itself, unsent, in a transaction
    of its own: dispatch_pending() sends it. A failure to write it is logged; the caller's own rows
    must then say what is left undone (a stored provider event not processed: reconcile_recent())."""
    try:
        why = f"{type(error).__name__}: {error}"[:1000]
        db.session.add(OutboxMessage(task_name=task_name, args=list(args), last_error=why))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("task %s%s neither sent nor kept in the outbox", task_name, args)


@event.listens_for(db.session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    """Send what the transaction just committed enqueued. The committed session can emit no more
    SQL, so the sending runs in an app context (and a session) of its own; a failure there leaves
    the messages to dispatch_pending() and never undoes the commit the caller has made."""
    if session.in_nested_transaction():
        return  # a savepoint released: what it enqueued commits, or not, with its transaction
    # A message enqueued in a savepoint rolled back since was expunged: it does not exist.
    ids = [m.id for m in session.info.pop(PENDING, []) if inspect(m).persistent]
    if not ids:
        return
    with current_app.app_context():
        try:
            dispatch(ids)
        except Exception:
            log.exception("outbox messages %s not dispatched; dispatch_pending() sends them", ids)


@event.listens_for(db.session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back or closed: its messages were never written
        session.info.pop(PENDING, None)


def dispatch(message_ids: list[int]) -> int:
    """Send these messages if still unsent; a broker error leaves them for dispatch_pending()."""
    sent = 0
    for message_id in message_ids:
        message = _claim(message_id)
        if message is None:
            continue
        try:
            _send(message)
            sent += 1
        except Exception as exc:  # the broker is down: unclaim, and beat retries later
            log.warning("outbox message %s not sent: %s", message_id, exc)
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:1000])
            )
            db.session.commit()
    return sent


def _claim(message_id: int) -> OutboxMessage | None:
    """Mark the message sent, so that two dispatchers never both send it; returns it, detached, or
    None when it was sent already. Commits: a task run in-process has a session of its own, and on
    SQLite a transaction left open here would hold the write lock that task waits for."""
    claimed = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=now(), attempts=OutboxMessage.attempts + 1)
        ),
    ).rowcount
    message = db.session.get(OutboxMessage, message_id) if claimed else None
    if message is not None:
        db.session.expunge(message)
    db.session.commit()
    return message


def _send(message: OutboxMessage) -> None:
    if celery_app.conf.task_always_eager:
        # The embedded default has no broker: run the task here, now, or on the background thread.
        if message.task_name in _RUN_APART:
            _APART.submit(_apart, message.task_name, message.args)
        else:
            celery_app.tasks[message.task_name].apply(args=tuple(message.args), throw=True)
    else:
        celery_app.send_task(message.task_name, args=message.args)


def _apart(task_name: str, args: list[object]) -> None:
    """A task on the background thread (in its own app context, as every task runs): a failure is
    logged, as a worker would log it."""
    try:
        celery_app.tasks[task_name].apply(args=tuple(args), throw=True)
    except Exception:
        log.exception("task %s%s failed", task_name, tuple(args))


def wait_apart() -> None:
    """Wait until the background thread has run every task it was given (a test's end)."""
    _APART.submit(lambda: None).result()


def dispatch_pending(limit: int = 500) -> int:
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    return dispatch(ids)
