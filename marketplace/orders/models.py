"""Web-shop orders: one buyer, lines from many suppliers, one fulfilment per supplier."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Product
from marketplace.extensions import Model, one_of
from marketplace.i18n import N_
from marketplace.suppliers.models import Supplier


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"


class FulfilmentStatus(StrEnum):
    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# Each status's name as messages show it (translated when shown).
ORDER_STATUS_NAMES = {
    OrderStatus.PENDING_PAYMENT: N_("awaiting payment"),
    OrderStatus.PAID: N_("paid"),
    OrderStatus.CANCELLED: N_("cancelled"),
    OrderStatus.EXPIRED: N_("expired"),
    OrderStatus.COMPLETED: N_("completed"),
}
FULFILMENT_STATUS_NAMES = {
    FulfilmentStatus.PENDING: N_("not shipped yet"),
    FulfilmentStatus.SHIPPED: N_("shipped"),
    FulfilmentStatus.DELIVERED: N_("delivered"),
    FulfilmentStatus.CANCELLED: N_("cancelled"),
}
PAYMENT_METHODS = ("card", "alipay", "wechat_pay")


class Order(Model):
    __tablename__ = "orders"
    __table_args__ = (
        one_of("status", OrderStatus),
        CheckConstraint("total_fen > 0", name="total_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= paid_fen", name="refund_within_paid"),
        Index(
            "ix_orders_pending_expiry",
            "reserved_until",
            postgresql_where=text(f"status = '{OrderStatus.PENDING_PAYMENT}'"),
            sqlite_where=text(f"status = '{OrderStatus.PENDING_PAYMENT}'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    payment_method: Mapped[str] = mapped_column(String(20))
    # Whether the stock is held for this order now (released on expiry or cancellation).
    stock_held: Mapped[bool] = mapped_column(default=True)
    shipping_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    shipping_detail: Mapped[str] = mapped_column(String(200))
    shipping_recipient: Mapped[str] = mapped_column(String(50))
    shipping_phone: Mapped[str] = mapped_column(String(20))
    reserved_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan", lazy="selectin"
    )
    fulfilments: Mapped[list["Fulfilment"]] = relationship(
        back_populates="order", order_by="Fulfilment.id", cascade="all, delete-orphan", lazy="selectin"
    )


class Fulfilment(Model):
    """One supplier's part of an order: shipped and delivered by that supplier."""

    __tablename__ = "fulfilments"
    __table_args__ = (one_of("status", FulfilmentStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=FulfilmentStatus.PENDING)
    carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_no: Mapped[str | None] = mapped_column(String(50))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship(back_populates="fulfilments")
    supplier: Mapped[Supplier] = relationship(lazy="selectin", viewonly=True)
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="fulfilment", order_by="OrderLine.id", viewonly=True
    )


class OrderLine(Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_within_quantity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("fulfilments.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    # What was bought, as it was when bought.
    product_name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    line_total_fen: Mapped[int] = mapped_column(BigInteger)
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    refunded_quantity: Mapped[int] = mapped_column(BigInteger, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    fulfilment: Mapped[Fulfilment] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
