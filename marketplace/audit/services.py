from typing import Any

from sqlalchemy import select

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
