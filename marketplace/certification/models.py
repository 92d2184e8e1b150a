"""帮扶产品认定: a product's certification as an assistance product, stage by stage."""

from datetime import UTC, date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.timeutil import CHINA

STATUSES = ("applied", "in_notice", "certified", "rejected", "revoked", "expired")
OPEN_STATUSES = ("applied", "in_notice")


class Certification(db.Model):
    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'in_notice', 'certified', 'rejected', 'revoked', 'expired')", name="status"
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="validity"),
        # At most one application under way per product.
        Index(
            "uq_certifications_open_per_product",
            "product_id",
            unique=True,
            postgresql_where=text("status IN ('applied', 'in_notice')"),
            sqlite_where=text("status IN ('applied', 'in_notice')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    origin_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="applied", index=True)
    # The review stages (region levels) in force when it was applied for, and where it stands.
    stages: Mapped[list[str]] = mapped_column(JSON)
    stage_index: Mapped[int] = mapped_column(default=0)
    commitment: Mapped[dict] = mapped_column(JSON)
    notice_ends_on: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship(lazy="joined")

    @property
    def current_stage(self) -> str | None:
        return self.stages[self.stage_index] if self.status == "applied" else None

    def valid_on(self, day: date) -> bool:
        """Whether a sale on `day` counts under this certificate."""
        if (
            self.valid_from is None
            or self.valid_until is None
            or not (self.valid_from <= day < self.valid_until)
        ):
            return False
        return self.status in ("certified", "expired") or (
            self.status == "revoked" and self.revoked_at is not None and day < self.revoked_on
        )

    @property
    def revoked_on(self) -> date:
        """The China day of the revocation (SQLite gives the instant back naive, in UTC)."""
        at = self.revoked_at if self.revoked_at.tzinfo else self.revoked_at.replace(tzinfo=UTC)
        return at.astimezone(CHINA).date()
