"""An invitation mailed to an address, for a supplier membership or an agency role."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import Model, one_of
from marketplace.timeutil import now


class InvitationKind(StrEnum):
    SUPPLIER_MEMBER = "supplier_member"
    AGENCY_MEMBER = "agency_member"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


# Shown, not stored: a pending invitation past its expiry.
EXPIRED = "expired"
SHOWN_STATUSES = (*InvitationStatus, EXPIRED)


class Invitation(Model):
    __tablename__ = "invitations"
    __table_args__ = (
        one_of("kind", InvitationKind),
        one_of("status", InvitationStatus),
        CheckConstraint(
            "(kind = 'supplier_member' AND supplier_id IS NOT NULL AND agency_id IS NULL AND role IS NULL)"
            " OR (kind = 'agency_member' AND agency_id IS NOT NULL AND supplier_id IS NULL"
            " AND role IN ('purchaser', 'approver'))",
            name="target",
        ),
        CheckConstraint("status <> 'accepted' OR accepted_by_id IS NOT NULL", name="accepted_by"),
        # One pending invitation per address and grant: inviting again renews it.
        Index(
            "uq_invitations_pending",
            "email",
            "kind",
            text("coalesce(supplier_id, 0)"),
            text("coalesce(agency_id, 0)"),
            text("coalesce(role, '')"),
            unique=True,
            postgresql_where=text(f"status = '{InvitationStatus.PENDING}'"),
            sqlite_where=text(f"status = '{InvitationStatus.PENDING}'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), index=True)
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(
        String(20), default=InvitationStatus.PENDING, server_default=InvitationStatus.PENDING
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def shown_status(self) -> str:
        if self.status == InvitationStatus.PENDING and aware(self.expires_at) <= now():
            return EXPIRED
        return self.status


def aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (in UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
