import logging

from sqlalchemy import select, update

from marketplace.extensions import celery_app, db
from marketplace.outbox.models import OutboxMessage
from marketplace.timeutil import now

log = logging.getLogger(__name__)


def enqueue(task_name: str, *args: object) -> OutboxMessage:
    """Add a message to the caller's transaction; send it with dispatch() once committed."""
    message = OutboxMessage(task_name=task_name, args=list(args))
    db.session.add(message)
    return message


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
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=now(), attempts=OutboxMessage.attempts + 1)
    ).rowcount
    message = db.session.get(OutboxMessage, message_id) if claimed else None
    if message is not None:
        db.session.expunge(message)
    db.session.commit()
    return message


def _send(message: OutboxMessage) -> None:
    if celery_app.conf.task_always_eager:
        # The embedded default has no broker: run the task here, now.
        celery_app.tasks[message.task_name].apply(args=message.args, throw=True)
    else:
        celery_app.send_task(message.task_name, args=message.args)


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
