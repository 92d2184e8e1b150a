"""A product's stock: taken for an order (a shop order or a purchase order) and put back, all or
nothing, with the rows locked in one order so that concurrent orders cannot deadlock."""

from collections import defaultdict
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from marketplace.catalog.models import Product
from marketplace.catalog.services import catalog_changes_on_commit
from marketplace.errors import DomainError
from marketplace.extensions import db, in_ids
from marketplace.i18n import _

# Fewer units than this left, a buyer reads each one: a sale or a return that finds or leaves a product
# below it (selling out, or back in stock) is on the cached listings and product pages at once; above
# it their figure may be up to CATALOG_CACHE_SECONDS old (an order is checked against the real one).
LOW_STOCK = 10


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
            .where(in_ids(Product.id, ids))
            .order_by(Product.id)
            .with_for_update(key_share=True)
        ).all()
    )


def reserve(wanted: dict[int, int], field: str, locked: dict[int, int] | None = None) -> None:
    """Take the stock of every product in `wanted` ({product id: quantity}), or none of it.

    The rows are locked (lock_stock, unless the caller has: `locked`). Every short product is
    reported at once (409, under `field`). The UPDATE is guarded: even where locks do nothing
    (SQLite) stock cannot go below zero, and the CHECK constraint is the last line.
    """
    ids = sorted(wanted)
    stock = locked if locked is not None else lock_stock(ids)
    short = {
        str(i): [_("Only %(left)s left; %(asked)s asked for.", left=stock.get(i, 0), asked=wanted[i])]
        for i in ids
        if stock.get(i, 0) < wanted[i]
    }
    if not short and _change(list(wanted.items()), take=True) == len(ids):
        return
    if not short:
        short = {"": [_("Sold out while ordering; try again.")]}
    db.session.rollback()
    raise OutOfStock(_("Not enough stock for some lines."), errors={"json": {field: short}})


def put_back(quantities: list[tuple[int, int]]) -> None:
    """Return stock: [(product id, quantity)], one statement for all."""
    if quantities:
        _change(quantities, take=False)


def _change(quantities: list[tuple[int, int]], take: bool) -> int:
    """Take (where the stock covers it) or put back each product's quantity; how many products
    changed. On PostgreSQL one UPDATE joined to the quantities, sent as two arrays, so that a
    10,000-line purchase order is one statement and two parameters, not 10,000 statements; elsewhere
    (SQLite) the UPDATE runs once per product. A product named twice is summed first: a joined UPDATE
    changes a row once, whatever number of the quantities it matches. A change that finds or leaves
    a product low on stock (LOW_STOCK) shows on the cached catalog once the transaction commits."""
    summed: dict[int, int] = defaultdict(int)
    for product_id, quantity in quantities:
        summed[product_id] += quantity
    table = cast(Table, Product.__table__)
    connection = db.session.connection()

    def changed(pid: Any, qty: Any, params: dict[str, int] | None = None) -> list[tuple[int, int]]:
        stmt = update(table).where(table.c.id == pid)
        if take:
            stmt = stmt.where(table.c.stock >= qty).values(stock=table.c.stock - qty)
        else:
            stmt = stmt.values(stock=table.c.stock + qty)
        rows = connection.execute(stmt.returning(table.c.id, table.c.stock), params).all()
        return [(row[0], row[1]) for row in rows]

    if db.session.get_bind().dialect.name == "postgresql":
        given = func.unnest(
            bindparam("pids", list(summed), type_=ARRAY(BigInteger)),
            bindparam("qtys", list(summed.values()), type_=ARRAY(BigInteger)),
        )
        rows = given.table_valued("pid", "qty").render_derived()
        after = changed(rows.c.pid, rows.c.qty)
    else:
        after = [
            row
            for p, q in summed.items()
            for row in changed(bindparam("pid"), bindparam("qty"), {"pid": p, "qty": q})
        ]
    # Before a take the stock was higher by the quantity; before a put-back, lower.
    if any(min(left, left + summed[pid] if take else left - summed[pid]) < LOW_STOCK for pid, left in after):
        catalog_changes_on_commit()
    return len(after)
