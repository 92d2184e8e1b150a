"""An order's stock and its lock, as checkout and payments take them: an order closed unpaid puts its
stock back, one paid after expiry takes it again, and every change to an order locks it first."""

from sqlalchemy import select

from marketplace.catalog.stock import OutOfStock, put_back, reserve
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderStatus


def release_stock(order: Order) -> None:
    if not order.stock_held:
        return
    put_back([(line.product_id, line.quantity) for line in order.lines])
    order.stock_held = False


def reserve_again(order: Order) -> bool:
    """After expiry, take the stock back if every line can still be had; all or nothing."""
    try:
        reserve(_quantities(order), "items")
    except OutOfStock:
        return False
    order.stock_held = True
    return True


def _quantities(order: Order) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for line in order.lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
    return wanted


def close_unpaid(order: Order, status: OrderStatus, actor_id: int | None, reason: str) -> None:
    """Cancel or expire an order that was not paid: release its stock, end its payment."""
    action = {OrderStatus.EXPIRED: "expire", OrderStatus.CANCELLED: "cancel"}[status]
    lifecycle.move(order, status, actor_id, action, reason=reason)
    release_stock(order)


def lock_order(order_id: int) -> Order:
    """The order, its row locked for this transaction (payment events for one order run one at a time)."""
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update(key_share=True))
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound(_("No order %(id)s.", id=order_id))
    return order
