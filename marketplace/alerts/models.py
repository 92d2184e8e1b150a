"""Alerts raised by beat tasks: certificates expiring, targets behind pace, unsold stock (滞销),
payments never reconciled; and by payments as they happen: money received that does not pay its
order, refunds the provider would not make, provider events that cannot be resolved."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.extensions import Model
from marketplace.regions.models import Region
from marketplace.suppliers.models import Supplier

KINDS = (
    "certificate_expiring",
    "target_behind",
    "unsold_stock",
    "payment_unreconciled",
    "payment_mismatch",
    "refund_failed",
    "payment_event_failed",
)


class Alert(Model):
    __tablename__ = "alerts"
    # Raising the same alert twice (a task retried, run twice a day) keeps one.
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    # Officers of this region (and those above it) see the alert; None: admins only.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    # What the message says, rendered when read, in the reader's language (amounts in fen, days as
    # ISO dates): {"name": ..., "achieved": 191571690, ...}. None: an alert raised before alerts
    # spoke two languages, whose `message` is its English text.
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    # What the alert's reader acts on, e.g. {"suggested_agencies": [{"id", "name"}]} for unsold stock.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who marked it handled (处理完毕); None while open or when the daily task resolved it (its cause
    # went). An alert resolved by hand is not opened again for the same episode.
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Loaded with the alert (one query for a page of them): the names a reader sees beside the codes.
    region: Mapped[Region | None] = relationship(lazy="joined", viewonly=True)
    supplier: Mapped[Supplier | None] = relationship(lazy="joined", viewonly=True)
    resolved_by: Mapped[User | None] = relationship(lazy="joined", viewonly=True)

    @property
    def region_name(self) -> str | None:
        return self.region.name if self.region else None

    @property
    def resolved_by_name(self) -> str | None:
        return self.resolved_by.display_name if self.resolved_by else None

    @property
    def supplier_name(self) -> str | None:
        return self.supplier.name if self.supplier else None
