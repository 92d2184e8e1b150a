"""An invitation mailed to an address, for a supplier membership or an agency role."""

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.timeutil import now

KINDS = ("supplier_member", "agency_member")
STATUSES = ("pending", "accepted", "revoked")
# Shown, not stored: a pending invitation past its expiry.
SHOWN_STATUSES = (*STATUSES, "expired")


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("kind IN ('supplier_member', 'agency_member')", name="kind"),
        CheckConstraint("status IN ('pending', 'accepted', 'revoked')", name="status"),
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
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
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
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def shown_status(self) -> str:
        if self.status == "pending" and aware(self.expires_at) <= now():
            return "expired"
        return self.status


def aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (in UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
