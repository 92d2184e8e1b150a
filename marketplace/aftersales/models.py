"""After-sales: a buyer asks a supplier for part of a paid order back (售后退款), with reasons and
photos; the supplier or an admin accepts, and the refund runs, or rejects, saying why."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model, one_of
from marketplace.i18n import N_


class AfterSalesStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


AFTER_SALES_STATUS_NAMES = {
    AfterSalesStatus.REQUESTED: N_("awaiting the supplier"),
    AfterSalesStatus.ACCEPTED: N_("accepted"),
    AfterSalesStatus.REJECTED: N_("rejected"),
    AfterSalesStatus.WITHDRAWN: N_("withdrawn"),
}


class AfterSalesRequest(Model):
    """One supplier's lines of one order, asked back; at most one open request per order and supplier."""

    __tablename__ = "after_sales_requests"
    __table_args__ = (
        one_of("status", AfterSalesStatus),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index(
            "uq_after_sales_open",
            "order_id",
            "supplier_id",
            unique=True,
            postgresql_where=text(f"status = '{AfterSalesStatus.REQUESTED}'"),
            sqlite_where=text(f"status = '{AfterSalesStatus.REQUESTED}'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # {line_id: quantity}, as refunds keep them.
    lines: Mapped[dict[str, Any]] = mapped_column(JSON)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=AfterSalesStatus.REQUESTED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    photos: Mapped[list["AfterSalesPhoto"]] = relationship(
        order_by="AfterSalesPhoto.id", cascade="all, delete-orphan"
    )


class AfterSalesPhoto(Model):
    __tablename__ = "after_sales_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("after_sales_requests.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FapiaoStatus(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"


class FapiaoRequest(Model):
    """A buyer's request for the fapiao (发票) of one supplier's part of an order, fulfilled by the
    supplier uploading the e-invoice (PDF or OFD) with its number; one per part."""

    __tablename__ = "fapiao_requests"
    __table_args__ = (one_of("status", FapiaoStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("fulfilments.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The invoice's title (抬头): a person's name or a company's; a company gives its tax id (税号).
    title: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    # Where word of the issued e-invoice is mailed; the buyer's own address when none was given.
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default=FapiaoStatus.REQUESTED)
    invoice_no: Mapped[str | None] = mapped_column(String(40))
    file_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(40))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
