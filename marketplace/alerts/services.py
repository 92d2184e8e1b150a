from datetime import date

from sqlalchemy import Select, or_, select

from marketplace.accounts.models import User
from marketplace.alerts.models import Alert
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.regions.services import require_region, within


def raise_alert(
    kind: str, subject, region_code: str, message: str, due_on: date, supplier_id: int | None = None
) -> bool:
    """Add an alert unless the same one (kind, subject, due date) exists; returns whether it was new."""
    exists = select(Alert.id).where(
        Alert.kind == kind,
        Alert.subject_type == subject.__tablename__,
        Alert.subject_id == subject.id,
        Alert.due_on == due_on,
    )
    if db.session.scalar(exists) is not None:
        return False
    db.session.add(
        Alert(
            kind=kind,
            subject_type=subject.__tablename__,
            subject_id=subject.id,
            region_code=region_code,
            supplier_id=supplier_id,
            message=message,
            due_on=due_on,
        )
    )
    return True


def list_alerts(actor: User, kind: str | None) -> Select[tuple[Alert]]:
    """Officers see their region's alerts, admins all."""
    if not actor.is_admin and not actor.officer_region_codes:
        raise Forbidden("Alerts are for officers and admins.")
    stmt = select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.due_on, Alert.id)
    if not actor.is_admin:
        stmt = stmt.where(
            or_(*(within(Alert.region_code, require_region(c, "region")) for c in actor.officer_region_codes))
        )
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return stmt
