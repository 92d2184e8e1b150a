"""A product's stock: taken for an order (a shop order or a purchase order) and put back, all or
nothing, with the rows locked in one order so that concurrent orders cannot deadlock."""

from sqlalchemy import bindparam, select, update

from marketplace.catalog.models import Product
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.i18n import _


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
