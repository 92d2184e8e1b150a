"""The sales ledger: one entry per line of money received, a negative one per refund; never
updated, never deleted (on PostgreSQL a trigger refuses both). Every tally is a sum over it."""

from datetime import date, datetime
from enum import StrEnum

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Category
from marketplace.extensions import Model, one_of
from marketplace.i18n import N_
from marketplace.regions.models import Region


class Channel(StrEnum):
    WEB = "web"
    PROCUREMENT = "procurement"
    UNION = "union"
    COUNTER = "counter"
    HALL = "hall"
    ZONE = "zone"


class Mechanism(StrEnum):
    EAST_WEST = "east_west"
    GOVERNMENT_PROCUREMENT = "government_procurement"
    DESIGNATED_ASSISTANCE = "designated_assistance"
    SOCIAL = "social"


# The channels and mechanisms as people call them, translated when shown.
CHANNEL_NAMES: dict[str, str] = {
    Channel.WEB: N_("Online shop"),
    Channel.PROCUREMENT: N_("Procurement"),
    Channel.UNION: N_("Trade union"),
    Channel.COUNTER: N_("Assistance counter"),
    Channel.HALL: N_("Assistance hall"),
    Channel.ZONE: N_("Assistance zone"),
}
MECHANISM_NAMES: dict[str, str] = {
    Mechanism.EAST_WEST: N_("East-west cooperation"),
    Mechanism.GOVERNMENT_PROCUREMENT: N_("Government procurement"),
    Mechanism.DESIGNATED_ASSISTANCE: N_("Designated assistance"),
    Mechanism.SOCIAL: N_("Social assistance"),
}


class LedgerEntry(Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        one_of("channel", Channel),
        one_of("mechanism", Mechanism),
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
    # The agency a purchase order was bought by (its reserved-share quota sums these); None for the
    # shop's sales.
    buyer_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    delivery_region_code: Mapped[str] = mapped_column(String(9))
    channel: Mapped[str] = mapped_column(String(20))
    mechanism: Mapped[str] = mapped_column(String(30))
    # Bought by the paired (helping) region itself (采购), rather than a sale it helped (帮销).
    paired_purchase: Mapped[bool] = mapped_column(Boolean)
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    # The quantity's net weight (quantity x the product's net weight at the sale), where it is known.
    weight_g: Mapped[int | None] = mapped_column(BigInteger)


class LedgerMonthly(Model):
    """The ledger summed per month and slice, kept in the same transaction as every entry written,
    so a tally or a target's progress reads thousands of rows, not millions. Always equal to the sum
    of the entries (`flask ledger check-rollup`). The grain is coarse on purpose, chosen by measuring
    (bench/tallies.py): a month, not a day, and no supplier or buyer city or county; a question
    about those, or about a period that does not start and end on a month's first day, reads the
    entries for what the rollup cannot answer. An origin without a city (Chongqing's counties) has
    '' there."""

    __tablename__ = "ledger_monthly"
    __table_args__ = (
        Index("ix_ledger_monthly_pairing", "buyer_province_code", "origin_province_code", "month"),
        Index("ix_ledger_monthly_origin_county", "origin_county_code", "month"),
        # Channel targets (the consumption-assistance hall's ¥3 billion) and whole-year tallies by
        # month, read from the index alone: both measured in bench/tallies.py.
        Index("ix_ledger_monthly_channel", "channel", "origin_province_code", "month"),
        Index(
            "ix_ledger_monthly_month_county",
            "month",
            "origin_county_code",
            postgresql_include=["amount_fen", "quantity", "weight_g", "entries"],
        ),
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    origin_county_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    mechanism: Mapped[str] = mapped_column(String(30), primary_key=True)
    certified: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    buyer_province_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    # Determined by the county; kept here so a filter or grouping needs no join.
    origin_city_code: Mapped[str] = mapped_column(String(9))
    origin_province_code: Mapped[str] = mapped_column(String(9))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    weight_g: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(BigInteger)


class Target(Model):
    """An amount to reach over a period [start, end) for a slice of the ledger."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint("period_end > period_start", name="period"),
        # Money or weight, one of them: "¥30,000,000" or "10,000 tonnes of navel oranges".
        CheckConstraint(
            "(amount_fen > 0 AND weight_g IS NULL) OR (weight_g > 0 AND amount_fen IS NULL)",
            name="one_goal",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    weight_g: Mapped[int | None] = mapped_column(BigInteger)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    buyer_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    origin_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every channel
    mechanism: Mapped[str | None] = mapped_column(String(30))
    certified_only: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Raised by every change (update_target): with the count and the latest id, the targets' part of
    # the progress ETag, read from the targets themselves.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Loaded with the target (one query for a page of them): the names beside the codes.
    buyer_region: Mapped[Region | None] = relationship(
        foreign_keys=[buyer_region_code], lazy="joined", viewonly=True
    )
    origin_region: Mapped[Region | None] = relationship(
        foreign_keys=[origin_region_code], lazy="joined", viewonly=True
    )
    category: Mapped[Category | None] = relationship(lazy="joined", viewonly=True)

    @property
    def measure(self) -> str:
        return "weight" if self.weight_g is not None else "amount"

    @property
    def buyer_region_name(self) -> str | None:
        return self.buyer_region.name if self.buyer_region else None

    @property
    def origin_region_name(self) -> str | None:
        return self.origin_region.name if self.origin_region else None

    @property
    def category_name(self) -> str | None:
        return self.category.name if self.category else None


class ReportStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class LedgerReport(Model):
    """A month's ledger (台账) as a file: every entry with its dimensions, and totals per county and
    channel. Made by a task on the first of each month for the month before, and on demand."""

    __tablename__ = "ledger_reports"
    __table_args__ = (
        CheckConstraint("format IN ('xlsx', 'csv')", name="format"),
        one_of("status", ReportStatus),
        Index("ix_ledger_reports_month_scope", "month", "region_code", "format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-10
    # Entries whose origin or buyer is within this region; None: the whole ledger.
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    format: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.PENDING)
    storage_key: Mapped[str | None] = mapped_column(String(120))
    entries: Mapped[int | None] = mapped_column(BigInteger)
    total_fen: Mapped[int | None] = mapped_column(BigInteger)  # the entries' amounts summed
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The language of the file's headers and labels: its requester's, zh-CN for the monthly task's.
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN", server_default="zh-CN")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    region: Mapped[Region | None] = relationship(lazy="joined", viewonly=True)

    @property
    def region_name(self) -> str | None:
        return self.region.name if self.region else None

    @property
    def file_name(self) -> str:
        return f"ledger-{self.month}-{self.region_code or 'all'}.{self.format}"
