"""帮扶产品认定: a product's certification as an assistance product, stage by stage."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Product
from marketplace.extensions import Model, one_of
from marketplace.i18n import N_
from marketplace.regions.models import Region
from marketplace.suppliers.models import Supplier
from marketplace.timeutil import CHINA


class CertificationStatus(StrEnum):
    APPLIED = "applied"
    IN_NOTICE = "in_notice"
    CERTIFIED = "certified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"


# An application under way: at most one per product.
OPEN_STATUSES = (CertificationStatus.APPLIED, CertificationStatus.IN_NOTICE)
# Each status's and review level's name as messages show it (translated when shown).
STATUS_NAMES = {
    CertificationStatus.APPLIED: N_("under review"),
    CertificationStatus.IN_NOTICE: N_("in public notice"),
    CertificationStatus.CERTIFIED: N_("certified"),
    CertificationStatus.REJECTED: N_("rejected"),
    CertificationStatus.REVOKED: N_("revoked"),
    CertificationStatus.EXPIRED: N_("expired"),
}
_OPEN = "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))
LEVEL_NAMES = {"province": N_("province level"), "city": N_("city level"), "county": N_("county level")}
# The review stages a rule may name, in the order an application climbs them.
STAGES = ("county", "city", "province")
NOTICE_DAYS_MIN, NOTICE_DAYS_MAX = 1, 30


class CertificationRule(Model):
    """A province's rule for 帮扶产品认定: its review stages and public-notice (公示) days. A change
    is a new row in force from then on; the rows before it stay, the history of the rule. A
    province with no row follows the configured default (CERTIFICATION_STAGES and
    CERTIFICATION_NOTICE_DAYS)."""

    __tablename__ = "certification_rules"
    __table_args__ = (
        CheckConstraint(f"notice_days BETWEEN {NOTICE_DAYS_MIN} AND {NOTICE_DAYS_MAX}", name="notice_days"),
        Index("ix_certification_rules_province_in_force", "province_code", "valid_from", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    stages: Mapped[list[str]] = mapped_column(JSON)
    notice_days: Mapped[int]
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # None for a rule the demo data loaded.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def is_default(self) -> bool:
        """The configured default, standing in for a province that has no rule of its own."""
        return self.id is None


class Certification(Model):
    __tablename__ = "certifications"
    __table_args__ = (
        one_of("status", CertificationStatus),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="validity"),
        # At most one application under way per product.
        Index(
            "uq_certifications_open_per_product",
            "product_id",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    origin_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CertificationStatus.APPLIED, index=True)
    # The rule in force when it was applied for (None: the configured default), copied: its review
    # stages (region levels) and public-notice days are followed to the end, whatever rule comes
    # after. And where it stands.
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("certification_rules.id"))
    stages: Mapped[list[str]] = mapped_column(JSON)
    notice_days: Mapped[int]
    stage_index: Mapped[int] = mapped_column(default=0)
    commitment: Mapped[dict[str, Any]] = mapped_column(JSON)
    notice_ends_on: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship(lazy="joined")
    supplier: Mapped[Supplier] = relationship(lazy="joined", viewonly=True)
    origin: Mapped[Region] = relationship(lazy="joined", viewonly=True)

    @property
    def current_stage(self) -> str | None:
        return self.stages[self.stage_index] if self.status == CertificationStatus.APPLIED else None

    def valid_on(self, day: date) -> bool:
        """Whether a sale on `day` counts under this certificate."""
        if (
            self.valid_from is None
            or self.valid_until is None
            or not (self.valid_from <= day < self.valid_until)
        ):
            return False
        return self.status in (CertificationStatus.CERTIFIED, CertificationStatus.EXPIRED) or (
            self.status == CertificationStatus.REVOKED
            and self.revoked_at is not None
            and day < self.revoked_on
        )

    @property
    def revoked_on(self) -> date:
        """The China day of the revocation (SQLite gives the instant back naive, in UTC)."""
        assert self.revoked_at is not None, "only a revoked certificate has a revocation day"
        at = self.revoked_at if self.revoked_at.tzinfo else self.revoked_at.replace(tzinfo=UTC)
        return at.astimezone(CHINA).date()


class CertificationApproval(Model):
    """One stage's approval of an application: by one person, who approves no other stage of it (the
    database holds both, so two approvals at once cannot break either)."""

    __tablename__ = "certification_approvals"
    __table_args__ = (
        UniqueConstraint("certification_id", "stage"),
        UniqueConstraint("certification_id", "approver_id"),
        CheckConstraint("stage IN ({})".format(", ".join(f"'{stage}'" for stage in STAGES)), name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
