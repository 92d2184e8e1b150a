"""A product's stock: taken for an order (a shop order or a purchase order) and put back, all or
nothing, with the rows locked in one order so that concurrent orders cannot deadlock."""

from collections import defaultdict
from collections.abc import Callable
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


def reserve(
    wanted: dict[int, int], field: str, check: Callable[[dict[int, int]], None] | None = None
) -> None:
    """Take the stock of every product in `wanted` ({product id: quantity}), or none of it.

    On PostgreSQL one statement locks the rows (in id order, as lock_stock) and takes each quantity
    the stock covers. `check`, if given, is shown {product id: stock before this order} and may
    refuse the order by raising (the caller rolls back). Every short product is reported at once
    (409, under `field`). The UPDATE is guarded: even where locks do nothing (SQLite) stock cannot go
    below zero, and the CHECK constraint is the last line.
    """
    ids = sorted(wanted)
    before = _take(wanted)
    _forget_loaded_stock(ids)
    if len(before) < len(ids):
        # Some fell short: what the others were before this order's take, read under its locks.
        left = lock_stock(ids)
        before = {i: left.get(i, 0) + (wanted[i] if i in before else 0) for i in ids}
    if check is not None:
        check(before)
    short = {
        str(i): [_("Only %(left)s left; %(asked)s asked for.", left=before.get(i, 0), asked=wanted[i])]
        for i in ids
        if before.get(i, 0) < wanted[i]
    }
    if short:
        db.session.rollback()
        raise OutOfStock(_("Not enough stock for some lines."), errors={"json": {field: short}})
    # An order that leaves a product low on stock (or finds it so) shows on the cached catalog once
    # the transaction commits.
    if any(before[i] - wanted[i] < LOW_STOCK for i in ids):
        catalog_changes_on_commit()


def put_back(quantities: list[tuple[int, int]]) -> None:
    """Return stock: [(product id, quantity)], one statement for all (on PostgreSQL)."""
    summed: dict[int, int] = defaultdict(int)
    for product_id, quantity in quantities:
        summed[product_id] += quantity
    if not summed:
        return
    # Stock put back may lift a product out of the low band the cached catalog shows: the cached
    # pages are dropped once the transaction commits (put-backs are few: cancellations, expiries).
    catalog_changes_on_commit()
    _forget_loaded_stock(list(summed))
    table = cast(Table, Product.__table__)
    if not _postgresql():
        stmt = (
            update(table).where(table.c.id == bindparam("pid")).values(stock=table.c.stock + bindparam("qty"))
        )
        db.session.connection().execute(stmt, [{"pid": p, "qty": q} for p, q in summed.items()])
        return
    given = _quantities(summed)
    db.session.connection().execute(
        update(table).where(table.c.id == given.c.pid).values(stock=table.c.stock + given.c.qty)
    )


def _forget_loaded_stock(ids: list[int]) -> None:
    """The stock is changed by statements the session does not follow: a product it has loaded
    reads its stock again when next asked (a commit that keeps what it loaded would not)."""
    for pid in ids:
        loaded = db.session.identity_map.get(db.session.identity_key(Product, pid))
        if loaded is not None:
            db.session.expire(loaded, ["stock"])


def _take(wanted: dict[int, int]) -> dict[int, int]:
    """Take each product's quantity where its stock covers it; {product id: stock before} of those
    taken. On PostgreSQL one statement: a CTE locks the rows in id order (deadlock-free, as
    lock_stock), and the UPDATE joined to the quantities, sent as two arrays, so that a 10,000-line
    purchase order is one statement and two parameters, not 10,000. Elsewhere (SQLite, whose
    transactions run one at a time) the stock is read, then each covered product updated."""
    table = cast(Table, Product.__table__)
    if not _postgresql():
        stock = lock_stock(list(wanted))
        covered = [{"pid": p, "qty": q} for p, q in wanted.items() if stock.get(p, 0) >= q]
        if covered:
            db.session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("pid"), table.c.stock >= bindparam("qty"))
                .values(stock=table.c.stock - bindparam("qty")),
                covered,
            )
        return {row["pid"]: stock[row["pid"]] for row in covered}
    locked = (
        select(table.c.id)
        .where(in_ids(table.c.id, wanted))
        .order_by(table.c.id)
        .with_for_update(key_share=True)
        .cte("locked")
        .prefix_with("MATERIALIZED")
    )
    given = _quantities(wanted)
    stmt = (
        update(table)
        .where(table.c.id == locked.c.id, table.c.id == given.c.pid, table.c.stock >= given.c.qty)
        .values(stock=table.c.stock - given.c.qty)
        .returning(table.c.id, table.c.stock + given.c.qty)
    )
    return {row[0]: row[1] for row in db.session.connection().execute(stmt).all()}


def _quantities(quantities: dict[int, int]) -> Any:
    """{product id: quantity} as rows (pid, qty) of unnest() over two array parameters."""
    given = func.unnest(
        bindparam("pids", list(quantities), type_=ARRAY(BigInteger)),
        bindparam("qtys", list(quantities.values()), type_=ARRAY(BigInteger)),
    )
    return given.table_valued("pid", "qty").render_derived()


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
