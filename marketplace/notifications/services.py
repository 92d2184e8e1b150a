"""Telling people: notify() stores one notification per recipient and event in the sender's
transaction (a second announcement of the same event adds nothing) and queues its mail and its text
message for those who want them; the inbox lists, counts and marks them read."""

from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import sms as channel
from marketplace.accounts.models import User
from marketplace.errors import InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.notifications import mails, sms
from marketplace.notifications.models import Notification, NotificationKind, NotificationSettings
from marketplace.timeutil import now


def notify(
    user_ids: set[int], kind: NotificationKind, subject: Any, event_key: str, params: dict[str, Any]
) -> int:
    """Tell each user once of this event; returns how many were told now."""
    if not user_ids:
        return 0
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "subject_type": subject.__tablename__,
            "subject_id": subject.id,
            "params": params,
            "event_key": event_key,
        }
        for user_id in sorted(user_ids)
    ]
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "event_key"])
        .returning(Notification.id, Notification.user_id)
    )
    told = db.session.execute(stmt).all()
    by_mail = _wants_mail({user_id for _, user_id in told})
    by_sms = _wants_sms({user_id for _, user_id in told}) if sms.has_template(kind) else set()
    for notification_id, user_id in told:
        if user_id in by_mail:
            mails.queue_notice(notification_id)
        if user_id in by_sms:
            sms.queue(notification_id)
    return len(told)


def _wants_mail(user_ids: set[int]) -> set[int]:
    """Those of the users with a verified address who have not turned mail off (on by default)."""
    if not user_ids:
        return set()
    off = set(
        db.session.scalars(
            select(NotificationSettings.user_id).where(
                NotificationSettings.user_id.in_(user_ids), NotificationSettings.email.is_(False)
            )
        )
    )
    verified = set(
        db.session.scalars(
            select(User.id).where(User.id.in_(user_ids), User.email_verified_at.is_not(None), User.is_active)
        )
    )
    return verified - off


def _wants_sms(user_ids: set[int]) -> set[int]:
    """Those of the users who turned SMS on (off by default), where this deployment sends SMS."""
    if not user_ids or not channel.available():
        return set()
    return set(
        db.session.scalars(
            select(NotificationSettings.user_id)
            .join(User, User.id == NotificationSettings.user_id)
            .where(
                NotificationSettings.user_id.in_(user_ids),
                NotificationSettings.sms.is_(True),
                NotificationSettings.mobile.is_not(None),
                User.is_active,
            )
        )
    )


def inbox(user: User, unread_only: bool) -> Select[Any]:
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    return query.where(Notification.read_at.is_(None)) if unread_only else query


def unread_count(user: User) -> int:
    count = db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return count or 0


def mark_read(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No notification %(id)s.", id=notification_id))
    if notification.read_at is None:
        notification.read_at = now()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    marked = db.session.scalars(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now())
        .returning(Notification.id)
    ).all()
    db.session.commit()
    return len(marked)


def settings_of(user: User) -> NotificationSettings:
    return db.session.get(NotificationSettings, user.id) or NotificationSettings(
        user_id=user.id, email=True, sms=False
    )


def change_settings(user: User, data: dict[str, Any]) -> NotificationSettings:
    """Change the caller's channels: the fields given, the others as they were."""
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id, email=True, sms=False)
        db.session.add(settings)
    for name in ("email", "sms", "mobile"):
        if name in data:
            setattr(settings, name, data[name])
    if settings.sms and not settings.mobile:
        raise InvalidField("mobile", _("SMS needs a mobile number to send to."))
    if settings.sms and "sms" in data and not channel.available():
        raise InvalidField("sms", _("This platform sends no SMS."))
    db.session.commit()
    return settings
