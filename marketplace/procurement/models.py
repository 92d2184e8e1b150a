"""Purchase orders: an agency's bulk order, approved in tiers, confirmed, shipped and invoiced by
each supplier for its part, received and inspected, and paid by bank transfer."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model, one_of
from marketplace.i18n import N_

if TYPE_CHECKING:
    from marketplace.agencies.models import Agency


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    RECEIVED = "received"
    INVOICED = "invoiced"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class LineStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class PartStatus(StrEnum):
    AWAITING = "awaiting"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    SHIPPED = "shipped"


# Each status (of an order, and of a supplier's part of it) as messages name it (translated when shown).
STATUS_NAMES = {
    PurchaseOrderStatus.DRAFT: N_("draft"),
    PurchaseOrderStatus.SUBMITTED: N_("submitted"),
    PurchaseOrderStatus.APPROVED: N_("approved"),
    PurchaseOrderStatus.CONFIRMED: N_("confirmed"),
    PurchaseOrderStatus.SHIPPED: N_("shipped"),
    PurchaseOrderStatus.RECEIVED: N_("received"),
    PurchaseOrderStatus.INVOICED: N_("invoiced"),
    PurchaseOrderStatus.PAID: N_("paid"),
    PurchaseOrderStatus.REJECTED: N_("rejected"),
    PurchaseOrderStatus.CANCELLED: N_("cancelled"),
}
PART_STATUS_NAMES = {
    PartStatus.AWAITING: N_("awaiting confirmation"),
    PartStatus.CONFIRMED: N_("confirmed"),
    PartStatus.DECLINED: N_("declined"),
    PartStatus.SHIPPED: N_("shipped"),
}


class PurchaseOrder(Model):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        one_of("status", PurchaseOrderStatus),
        CheckConstraint("paid_fen >= 0", name="paid_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=PurchaseOrderStatus.DRAFT, index=True)
    delivery_address: Mapped[str] = mapped_column(String(200))
    needed_by: Mapped[date | None] = mapped_column(Date)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    approvals_required: Mapped[int] = mapped_column(default=0)
    stock_held: Mapped[bool] = mapped_column(default=False)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    # Held by the order once read, so that the permission checks and the answer read it once.
    agency: Mapped["Agency"] = relationship(viewonly=True)
    lines: Mapped[list["PurchaseOrderLine"]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.id", cascade="all, delete-orphan", lazy="selectin"
    )
    parts: Mapped[list["SupplierPart"]] = relationship(
        order_by="SupplierPart.id", cascade="all, delete-orphan", lazy="selectin"
    )
    approvals: Mapped[list["Approval"]] = relationship(
        order_by="Approval.id", cascade="all, delete-orphan", lazy="selectin"
    )
    payments: Mapped[list["BankPayment"]] = relationship(
        order_by="BankPayment.id", cascade="all, delete-orphan"
    )

    @property
    def open_lines(self) -> list["PurchaseOrderLine"]:
        return [line for line in self.lines if line.status != LineStatus.DECLINED]


class PurchaseOrderLine(Model):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "quantity_received IS NULL OR quantity_received BETWEEN 0 AND quantity",
            name="received_within_quantity",
        ),
        one_of("status", LineStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(100))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    # The certificate valid on the order date, and from payment the one valid on the day the money
    # was received, which the ledger and the reserved share count; lines without one are allowed,
    # flagged, and do not count toward the reserved share.
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=LineStatus.OPEN)
    quantity_received: Mapped[int | None] = mapped_column(BigInteger)
    inspection_note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")

    @property
    def counts_toward_share(self) -> bool:
        return self.certificate_no is not None

    @property
    def line_total_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    @property
    def received_value_fen(self) -> int:
        return self.unit_price_fen * (self.quantity_received or 0)


class SupplierPart(Model):
    """One supplier's part of a purchase order: its confirmation, shipment, invoice and rating."""

    __tablename__ = "po_supplier_parts"
    __table_args__ = (
        UniqueConstraint("order_id", "supplier_id"),
        one_of("status", PartStatus),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("(invoice_no IS NULL) = (invoice_recorded_at IS NULL)", name="invoice_recorded"),
        CheckConstraint("invoice_file_key IS NULL OR invoice_no IS NOT NULL", name="invoice_file_invoiced"),
        CheckConstraint(
            "(invoice_file_key IS NULL) = (invoice_file_type IS NULL)", name="invoice_file_typed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=PartStatus.AWAITING)
    carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_no: Mapped[str | None] = mapped_column(String(50))
    invoice_no: Mapped[str | None] = mapped_column(String(40))
    invoice_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    # When the invoice was recorded here: an order is owed from its last part's invoice on.
    invoice_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The e-invoice (PDF, OFD or a photo of a paper fapiao) in the file store, and its type.
    invoice_file_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    invoice_file_type: Mapped[str | None] = mapped_column(String(40))
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)


class Approval(Model):
    __tablename__ = "po_approvals"
    __table_args__ = (UniqueConstraint("order_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tier: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BankPayment(Model):
    """A bank transfer an admin reconciled against the order's invoices."""

    __tablename__ = "po_bank_payments"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        UniqueConstraint("reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ImportState(StrEnum):
    QUEUED = "queued"
    READING = "reading"
    CHECKING = "checking"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# An import still at work: while one is, the order takes no other.
IMPORT_ACTIVE = (ImportState.QUEUED, ImportState.READING, ImportState.CHECKING)
ACTIVE_STATES = "state IN ({})".format(", ".join(f"'{state}'" for state in IMPORT_ACTIVE))


class ImportJob(Model):
    """An uploaded file of lines being imported into a draft by a background task: its progress,
    and how it ended (the lines replaced, or the error an import answers, row by row). The file is
    kept only until the task has read it."""

    __tablename__ = "po_import_jobs"
    __table_args__ = (
        one_of("state", ImportState),
        CheckConstraint("rows_done >= 0", name="rows_done_not_negative"),
        # One import at work per order, whatever the race between two uploads.
        Index(
            "uq_po_import_jobs_order_id_active",
            "order_id",
            unique=True,
            postgresql_where=text(ACTIVE_STATES),
            sqlite_where=text(ACTIVE_STATES),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default=ImportState.QUEUED)
    # The importer's language, which the task's messages are written in.
    locale: Mapped[str] = mapped_column(String(10))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    rows_done: Mapped[int] = mapped_column(default=0)
    # Estimated from the file while it is read, exact once it has been.
    rows_total: Mapped[int | None]
    lines: Mapped[int | None]
    # How a failed import ended, as the error answer would have it: {code, error_code, message, errors}.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
