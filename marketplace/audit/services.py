from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db


def record(
    subject: Any,
    action: str,
    actor_id: int | None,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event for `subject` (a model with an id) to the caller's transaction."""
    event = AuditEvent(
        subject_type=subject.__tablename__,
        subject_id=subject.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor_id=actor_id,
        details=details,
    )
    db.session.add(event)
    return event


def history(subject_type: str, subject_id: int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


def shown_as(
    event: AuditEvent, *, details: dict[str, Any] | None, hide_actor: bool = False, hide_reason: bool = False
) -> dict[str, Any]:
    """The event as a caller who may not see all of it reads it: `details` in place of its own, no
    actor where that would name someone the caller may not know of, and no reason where it speaks of
    what the caller may not see. The stored event is untouched."""
    fields = ("id", "subject_type", "subject_id", "action", "from_status", "to_status", "at")
    return {name: getattr(event, name) for name in fields} | {
        "reason": None if hide_reason else event.reason,
        "details": details or None,
        "actor_id": None if hide_actor else event.actor_id,
        "actor_name": None if hide_actor else event.actor_name,
    }


def search(
    *,
    actor_id: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> Select[Any]:
    """The audit log across every domain, newest first, narrowed as asked."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    return stmt
