"""Alerts raised by beat tasks: certificates expiring, and later targets behind pace, unsold stock."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

KINDS = ("certificate_expiring",)


class Alert(db.Model):
    __tablename__ = "alerts"
    # Raising the same alert twice (a task retried, run twice a day) keeps one.
    __table_args__ = (UniqueConstraint("kind", "subject_type", "subject_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
