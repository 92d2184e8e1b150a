"""Agencies (budget units) that buy in bulk, their members, and their annual filings."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model, one_of


class AgencyKind(StrEnum):
    GOVERNMENT = "government"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    STATE_ENTERPRISE = "state_enterprise"
    UNION = "union"


class FilingStatus(StrEnum):
    FILED = "filed"
    RETURNED = "returned"


MEMBER_ROLES = ("purchaser", "approver")
EXEMPTIONS = ("no_canteen", "shared_canteen")


class Agency(Model):
    __tablename__ = "agencies"
    __table_args__ = (one_of("kind", AgencyKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # The lead unit (主管单位) that sees and reviews this one.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Ascending amounts: an order at or above the n-th needs n approvals.
    approval_tiers_fen: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    members: Mapped[list["AgencyMember"]] = relationship(
        back_populates="agency", cascade="all, delete-orphan"
    )
    parent: Mapped["Agency | None"] = relationship(remote_side=[id])

    def role_of(self, user_id: int) -> set[str]:
        return {m.role for m in self.members if m.user_id == user_id}


class AgencyMember(Model):
    __tablename__ = "agency_members"
    __table_args__ = (
        UniqueConstraint("agency_id", "user_id", "role"),
        CheckConstraint("role IN ('purchaser', 'approver')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    agency: Mapped[Agency] = relationship(back_populates="members")


class AgencyFiling(Model):
    """One year's filing: canteen food budget and the share reserved for assisted areas (basis
    points), or an exemption; for a trade union, its holiday-gift budget and share."""

    __tablename__ = "agency_filings"
    __table_args__ = (
        UniqueConstraint("agency_id", "year"),
        CheckConstraint("food_budget_fen >= 0 AND gift_budget_fen >= 0", name="budgets_not_negative"),
        CheckConstraint(
            "reserved_share_bp BETWEEN 0 AND 10000 AND gift_share_bp BETWEEN 0 AND 10000",
            name="shares_in_range",
        ),
        CheckConstraint(
            "exemption IS NULL OR exemption IN ('no_canteen', 'shared_canteen')", name="exemption"
        ),
        one_of("status", FilingStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    food_budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_share_bp: Mapped[int] = mapped_column(default=0)
    exemption: Mapped[str | None] = mapped_column(String(20))
    exemption_note: Mapped[str | None] = mapped_column(Text)
    # For a shared canteen: the unit whose filing covers this one.
    covered_by_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    gift_budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    gift_share_bp: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default=FilingStatus.FILED)
    return_reason: Mapped[str | None] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
