"""Idempotency-Key for writes that move money: the same key and body return the first answer
again and create nothing new; the same key with another body is refused. Keys are kept for
IDEMPOTENCY_KEY_HOURS, then forgotten."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, cast

from celery import shared_task
from flask import Response, after_this_request, current_app, request
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.errors import Conflict, InvalidField
from marketplace.extensions import Model, db
from marketplace.i18n import N_, _
from marketplace.timeutil import now

HEADER = "Idempotency-Key"
# The header in the OpenAPI document of each operation that takes it: `@blp.doc(**IDEMPOTENCY_DOC)`.
IDEMPOTENCY_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "schema": {"type": "string"},
            "description": "the same key and body return the first answer again",
        }
    ]
}
IN_PROGRESS = N_("A request with this Idempotency-Key is in progress; retry shortly.")


class IdempotencyRecord(Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    # Indexed for the hourly purge of records past IDEMPOTENCY_KEY_HOURS.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


def idempotent(user_id_of: Callable[[], int]) -> Callable:
    """Wrap a view: with an Idempotency-Key header, replay the stored answer or store this one.

    The answer stored is the response Flask sends, taken once the request is done, so the view may
    return anything Flask or flask-smorest turn into one (a Response, a tuple, a dict or object
    that a @blp.response above this decorator serialises), and decorators may be in any order."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not 1 <= len(key) <= 255:
                raise InvalidField(HEADER, _("Must be 1 to 255 characters."), location="headers")
            user_id = user_id_of()
            digest = hashlib.sha256(request.path.encode() + b"\n" + request.get_data()).hexdigest()
            # A key past its window is forgotten, even if the hourly purge has not got to it yet.
            db.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == user_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.created_at < _expired_before(),
                )
            )
            record = _record(user_id, key)
            if record is None:
                db.session.add(IdempotencyRecord(user_id=user_id, key=key, request_hash=digest))
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    raise Conflict(_(IN_PROGRESS)) from None
                try:
                    result = view(*args, **kwargs)
                except Exception:
                    # It failed and created nothing: the key may be used again.
                    db.session.rollback()
                    _forget(user_id, key)
                    raise
                after_this_request(lambda response: _store(user_id, key, response))
                return result
            if record.request_hash != digest:
                raise InvalidField(
                    HEADER, _("This key was used with a different request."), location="headers"
                )
            if record.status_code is None:
                raise Conflict(_(IN_PROGRESS))
            return Response(
                record.response_body,
                record.status_code,
                {"Content-Type": "application/json", "Idempotent-Replayed": "true"},
            )

        return wrapper

    return decorator


@shared_task(name="idempotency.purge_expired", acks_late=True)
def purge_expired() -> int:
    """Delete the records past IDEMPOTENCY_KEY_HOURS (a beat task, hourly); returns how many."""
    purged = cast(
        "CursorResult[Any]",
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < _expired_before())),
    ).rowcount
    db.session.commit()
    return purged


def _expired_before() -> datetime:
    return now() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])


def _record(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )


def _store(user_id: int, key: str, response: Response) -> Response:
    """Keep the answer as sent (the view's work is done and committed, so even an error that came
    after it is the answer to replay)."""
    db.session.rollback()  # what the request left in the session is not this commit's to make
    record = _record(user_id, key)
    if record is not None and record.status_code is None:
        record.status_code, record.response_body = response.status_code, response.get_data(as_text=True)
        db.session.commit()
    return response


def _forget(user_id: int, key: str) -> None:
    record = _record(user_id, key)
    if record is not None and record.status_code is None:
        db.session.delete(record)
        db.session.commit()
