"""Stock held by orders, and the order-level steps both orders and payments take."""

from sqlalchemy import select, update

from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.payments.models import Payment
from marketplace.timeutil import now


class OutOfStock(DomainError):
    status = 409
    error_code = "out_of_stock"


def take_stock(product_id: int, quantity: int) -> None:
    # Guarded: even without the lock (SQLite) stock cannot go below zero; the CHECK is the last line.
    taken = db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock >= quantity)
        .values(stock=Product.stock - quantity)
    ).rowcount
    if taken != 1:
        raise OutOfStock(
            "Not enough stock for some lines.",
            errors={"json": {"items": {str(product_id): ["Sold out while ordering."]}}},
        )


def release_stock(order: Order) -> None:
    if not order.stock_held:
        return
    for line in order.lines:
        db.session.execute(
            update(Product).where(Product.id == line.product_id).values(stock=Product.stock + line.quantity)
        )
    order.stock_held = False


def reserve_again(order: Order) -> bool:
    """After expiry, take the stock back if every line can still be had; all or nothing."""
    lines = sorted(order.lines, key=lambda line: line.product_id)
    db.session.execute(
        select(Product.id)
        .where(Product.id.in_([line.product_id for line in lines]))
        .order_by(Product.id)
        .with_for_update(key_share=True)
    )
    for line in lines:
        taken = db.session.execute(
            update(Product)
            .where(Product.id == line.product_id, Product.stock >= line.quantity)
            .values(stock=Product.stock - line.quantity)
        ).rowcount
        if taken != 1:
            db.session.rollback()
            return False
    order.stock_held = True
    return True


def close_unpaid(order: Order, status: str, actor_id: int | None, reason: str) -> None:
    """Cancel or expire an order that was not paid: release its stock, end its payment."""
    from_status = order.status
    release_stock(order)
    order.status, order.closed_at = status, now()
    action = {"expired": "expire", "cancelled": "cancel"}[status]
    audit.record(order, action, actor_id, from_status=from_status, to_status=status, reason=reason)
    db.session.commit()


def lock_order(order_id: int) -> Order:
    """The order, its row locked for this transaction (payment events for one order run one at a time)."""
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update(key_share=True))
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound(f"No order {order_id}.")
    return order


def latest_payment(order: Order) -> Payment | None:
    return db.session.scalars(
        select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc())
    ).first()
