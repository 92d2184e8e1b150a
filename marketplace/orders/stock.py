"""Stock held by orders, and the order-level steps both orders and payments take."""

from sqlalchemy import bindparam, select, update

from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.orders.models import Order, OrderStatus
from marketplace.timeutil import now


class OutOfStock(DomainError):
    status = 409
    error_code = "out_of_stock"


def lock_stock(ids: list[int]) -> dict[int, int]:
    """{product id: stock} with the rows locked for this transaction, in id order, so concurrent
    orders cannot deadlock, and FOR NO KEY UPDATE, because lines just inserted hold KEY SHARE locks
    on them through their foreign keys."""
    return dict(
        db.session.execute(
            select(Product.id, Product.stock)
            .where(Product.id.in_(sorted(ids)))
            .order_by(Product.id)
            .with_for_update(key_share=True)
        ).all()
    )


def reserve(wanted: dict[int, int], field: str, locked: dict[int, int] | None = None) -> None:
    """Take the stock of every product in `wanted` ({product id: quantity}), or none of it.

    The rows are locked (lock_stock, unless the caller has: `locked`). Every short product is
    reported at once (409, under `field`). One guarded UPDATE for all: even where locks do nothing
    (SQLite) stock cannot go below zero, and the CHECK constraint is the last line.
    """
    ids = sorted(wanted)
    stock = locked if locked is not None else lock_stock(ids)
    short = {
        str(i): [_("Only %(left)s left; %(asked)s asked for.", left=stock.get(i, 0), asked=wanted[i])]
        for i in ids
        if stock.get(i, 0) < wanted[i]
    }
    if not short:
        table = Product.__table__
        guarded = (
            update(table)
            .where(table.c.id == bindparam("pid"), table.c.stock >= bindparam("qty"))
            .values(stock=table.c.stock - bindparam("qty"))
        )
        taken = db.session.connection().execute(guarded, [{"pid": i, "qty": wanted[i]} for i in ids]).rowcount
        if taken == len(ids):
            return
        short = {"": [_("Sold out while ordering; try again.")]}
    db.session.rollback()
    raise OutOfStock(_("Not enough stock for some lines."), errors={"json": {field: short}})


def put_back(quantities: list[tuple[int, int]]) -> None:
    """Return stock: [(product id, quantity)], one statement for all."""
    if quantities:
        table = Product.__table__
        back = (
            update(table).where(table.c.id == bindparam("pid")).values(stock=table.c.stock + bindparam("qty"))
        )
        db.session.connection().execute(back, [{"pid": p, "qty": q} for p, q in quantities])


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
    from_status = order.status
    release_stock(order)
    order.status, order.closed_at = status, now()
    action = {OrderStatus.EXPIRED: "expire", OrderStatus.CANCELLED: "cancel"}[status]
    audit.record(order, action, actor_id, from_status=from_status, to_status=status, reason=reason)


def lock_order(order_id: int) -> Order:
    """The order, its row locked for this transaction (payment events for one order run one at a time)."""
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update(key_share=True))
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise NotFound(_("No order %(id)s.", id=order_id))
    return order
