"""Notifications: what a user is told of the events that concern them, kept as an in-app inbox and
sent by mail to those who want it. Each is stored once per user and event (its event key), so an
event that is announced twice (a retried task, a replayed webhook) tells nobody twice."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import Model, one_of


class NotificationKind(StrEnum):
    ORDER_RECEIVED = "order_received"
    PARCEL_SHIPPED = "parcel_shipped"
    PO_AWAITING_APPROVAL = "po_awaiting_approval"
    PO_APPROVED = "po_approved"
    PO_REJECTED = "po_rejected"
    PO_RECEIVED = "po_received"
    CERTIFICATION_DECIDED = "certification_decided"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    ALERT_OPENED = "alert_opened"
    ALERT_DIGEST = "alert_digest"


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        one_of("kind", NotificationKind),
        UniqueConstraint("user_id", "event_key"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What it is about, for the web app to link to: an order, a purchase order, a certification, an
    # alert; a weekly digest is about its reader.
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    # The figures its text is made of, rendered when read, in the reader's language.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_key: Mapped[str] = mapped_column(String(120))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotificationSettings(Model):
    """A user's channels beyond the inbox (always on); a user without a row has the defaults: mail
    on, SMS off. SMS goes to the mobile number given here, which it needs."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        CheckConstraint("length(mobile) = 11", name="mobile_11_digits"),
        CheckConstraint("NOT sms OR mobile IS NOT NULL", name="sms_needs_mobile"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    mobile: Mapped[str | None] = mapped_column(String(11))


class SmsStatus(StrEnum):
    SENDING = "sending"  # claimed; left so when no answer came: whether it went is unknown
    SENT = "sent"
    FAILED = "failed"  # not sent (the provider unreachable or busy): the next try claims it again
    REFUSED = "refused"  # by the provider, for good


class SmsDelivery(Model):
    """A notification's text message: claimed before it is sent, so that a task run twice (retried,
    redelivered, duplicated) sends it once at most."""

    __tablename__ = "sms_deliveries"
    __table_args__ = (one_of("status", SmsStatus),)

    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20))
    mobile: Mapped[str] = mapped_column(String(11))
    attempts: Mapped[int] = mapped_column(default=1)
    # The provider's id of the message (Aliyun's BizId), for its delivery reports.
    receipt: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
