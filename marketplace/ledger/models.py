"""The sales ledger: one entry per line of money received, a negative one per refund; never
updated, never deleted (on PostgreSQL a trigger refuses both). Every tally is a sum over it."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

CHANNELS = ("web", "procurement", "union", "counter", "hall", "zone")
MECHANISMS = ("east_west", "government_procurement", "designated_assistance", "social")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('web', 'procurement', 'union', 'counter', 'hall', 'zone')", name="channel"
        ),
        CheckConstraint(
            "mechanism IN ('east_west', 'government_procurement', 'designated_assistance', 'social')",
            name="mechanism",
        ),
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        Index("ix_ledger_entries_sale_date_origin", "sale_date", "origin_county_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The source event, e.g. "order_line:17:paid" or "refund:4:line:17": a replay is refused by it.
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sale_date: Mapped[date] = mapped_column(Date, index=True)  # in China time
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    category_code: Mapped[str] = mapped_column(String(40))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    origin_county_code: Mapped[str] = mapped_column(String(9))
    origin_city_code: Mapped[str | None] = mapped_column(String(9))
    origin_province_code: Mapped[str] = mapped_column(String(9), index=True)
    buyer_region_code: Mapped[str] = mapped_column(String(9))
    buyer_city_code: Mapped[str | None] = mapped_column(String(9))
    buyer_province_code: Mapped[str] = mapped_column(String(9), index=True)
    delivery_region_code: Mapped[str] = mapped_column(String(9))
    channel: Mapped[str] = mapped_column(String(20))
    mechanism: Mapped[str] = mapped_column(String(30))
    # Bought by the paired (helping) region itself (采购), rather than a sale it helped (帮销).
    paired_purchase: Mapped[bool] = mapped_column(Boolean)
    certificate_no: Mapped[str | None] = mapped_column(String(40))


class Target(db.Model):
    """An amount to reach over a period [start, end) for a slice of the ledger."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    buyer_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    origin_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every channel
    mechanism: Mapped[str | None] = mapped_column(String(30))
    certified_only: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
