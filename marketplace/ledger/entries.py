"""Writing the ledger when money is received or refunded, and keeping its monthly rollup equal to it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, cast

from sqlalchemy import ColumnClause, Date, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.agencies.models import AgencyKind
from marketplace.catalog.models import Product
from marketplace.catalog.services import certificates_on
from marketplace.extensions import db
from marketplace.ledger.models import Channel, LedgerEntry, LedgerMonthly, Mechanism
from marketplace.regions.models import Pairing, Region

# The bulk channels: an agency's or a trade union's buying, government procurement when not paired.
BULK = (Channel.PROCUREMENT, Channel.UNION)


@dataclass(frozen=True)
class Sale:
    """One line of money received (or, negative, refunded)."""

    source_key: str
    sale_date: date
    amount_fen: int
    quantity: int
    product_id: int
    buyer_region_code: str
    delivery_region_code: str
    channel: str
    certificate_no: str | None
    buyer_agency_id: int | None = None


def _pairings(buyers: Iterable[Region], origins: Iterable[Region]) -> set[tuple[str, str]]:
    """The (helper, assisted) pairings among these regions and the ones above them, in one query."""
    helpers = {code for region in buyers for code in region.ancestor_codes}
    assisted = {code for region in origins for code in region.ancestor_codes}
    if not helpers or not assisted:
        return set()
    rows = db.session.execute(
        select(Pairing.helper_region_code, Pairing.assisted_region_code).where(
            Pairing.helper_region_code.in_(helpers), Pairing.assisted_region_code.in_(assisted)
        )
    )
    return {(helper, assisted) for helper, assisted in rows}


def _by_key(model: Any, key: Any, values: set[Any]) -> dict[Any, Any]:
    """Rows of `model` whose `key` is among `values`, by that key: one query, however many."""
    if not values:
        return {}
    found: Iterable[Any] = db.session.scalars(select(model).where(key.in_(values)))
    return {getattr(row, key.key): row for row in found}


INSERT_ROWS = 1000


def record(sales: Iterable[Sale]) -> int:
    """Append entries, each once: an entry whose source key is there already is skipped, so a
    replayed payment event is counted once. Returns how many were new. Joins the caller's transaction.
    Products, regions and pairings are read once for the whole batch (a purchase order may have
    20,000 lines, and it is written under the order's row lock)."""
    sales = list(sales)
    products = _by_key(Product, Product.id, {sale.product_id for sale in sales})
    regions = _by_key(
        Region,
        Region.code,
        {p.origin_region_code for p in products.values()} | {sale.buyer_region_code for sale in sales},
    )
    origins = {regions[p.origin_region_code] for p in products.values()}
    pairings = _pairings((regions[sale.buyer_region_code] for sale in sales), origins)
    rows: list[dict[str, Any]] = []
    for sale in sales:
        product = products[sale.product_id]
        origin = regions[product.origin_region_code]
        buyer = regions[sale.buyer_region_code]
        paired = any((h, a) in pairings for h in buyer.ancestor_codes for a in origin.ancestor_codes)
        mechanism = (
            Mechanism.EAST_WEST
            if paired
            else Mechanism.GOVERNMENT_PROCUREMENT
            if sale.channel in BULK
            else Mechanism.SOCIAL
        )
        rows.append(
            {
                "source_key": sale.source_key,
                "sale_date": sale.sale_date,
                "amount_fen": sale.amount_fen,
                "quantity": sale.quantity,
                "product_id": product.id,
                "category_code": product.category_code,
                "supplier_id": product.supplier_id,
                "origin_county_code": origin.county_code or origin.code,
                "origin_city_code": origin.city_code,
                "origin_province_code": origin.province_code,
                "buyer_region_code": buyer.code,
                "buyer_city_code": buyer.city_code,
                "buyer_province_code": buyer.province_code,
                "buyer_agency_id": sale.buyer_agency_id,
                "delivery_region_code": sale.delivery_region_code,
                "channel": sale.channel,
                "mechanism": mechanism,
                "paired_purchase": paired and sale.channel in BULK,
                "certificate_no": sale.certificate_no,
                "weight_g": sale.quantity * product.net_weight_g if product.net_weight_g else None,
            }
        )
    new: set[str] = set()
    # In slices: one statement may bind at most 65,535 parameters on PostgreSQL (SQLite: per build),
    # and an entry takes 20, so a 20,000-line purchase order is 20 statements, not one refused.
    for start in range(0, len(rows), INSERT_ROWS):
        stmt = (
            _insert()(LedgerEntry)
            .values(rows[start : start + INSERT_ROWS])
            .on_conflict_do_nothing(index_elements=["source_key"])
            .returning(LedgerEntry.source_key)
        )
        new.update(db.session.scalars(stmt))
    _add_to_rollup([row for row in rows if row["source_key"] in new])
    return len(new)


def _insert():
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


ROLLUP_KEY = (
    "month",
    "origin_county_code",
    "category_code",
    "channel",
    "mechanism",
    "certified",
    "buyer_province_code",
)


def _add_to_rollup(rows: list[dict[str, Any]]) -> None:
    """Add the new entries to the monthly rollup, in the entries' transaction. Rows are upserted in
    key order, so two transactions touching the same rows lock them in the same order."""
    sums: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        values = {
            **row,
            "origin_city_code": row["origin_city_code"] or "",
            "certified": row["certificate_no"] is not None,
            "month": row["sale_date"].replace(day=1),
        }
        key = tuple(values[k] for k in ROLLUP_KEY)
        total = sums.setdefault(
            key,
            {
                **{k: values[k] for k in ROLLUP_KEY},
                "origin_city_code": values["origin_city_code"],
                "origin_province_code": values["origin_province_code"],
                "amount_fen": 0,
                "quantity": 0,
                "weight_g": 0,
                "entries": 0,
            },
        )
        total["amount_fen"] += row["amount_fen"]
        total["quantity"] += row["quantity"]
        total["weight_g"] += row["weight_g"] or 0
        total["entries"] += 1
    for key in sorted(sums, key=lambda k: tuple(str(part) for part in k)):
        stmt = _insert()(LedgerMonthly).values(sums[key])
        stmt = stmt.on_conflict_do_update(
            index_elements=list(ROLLUP_KEY),
            set_={
                name: getattr(LedgerMonthly, name) + getattr(stmt.excluded, name)
                for name in ("amount_fen", "quantity", "weight_g", "entries")
            },
        )
        db.session.execute(stmt)


def rebuild_rollup() -> int:
    """Recompute the monthly rollup from the entries (after a bulk load that bypassed `record`).
    Returns the number of rollup rows."""
    db.session.execute(delete(LedgerMonthly))
    db.session.execute(
        insert(LedgerMonthly).from_select(
            [
                *ROLLUP_KEY,
                "origin_city_code",
                "origin_province_code",
                "amount_fen",
                "quantity",
                "weight_g",
                "entries",
            ],
            select(*_rollup_columns()).group_by(*_rollup_columns()[: len(ROLLUP_KEY)]),
        )
    )
    db.session.commit()
    return cast(int, db.session.scalar(select(func.count()).select_from(LedgerMonthly)))


def _month_start(day):
    if db.engine.dialect.name == "postgresql":
        return func.cast(func.date_trunc(literal_column("'month'"), day), Date)
    return func.date(day, literal_column("'start of month'"), type_=Date)


EMPTY: ColumnClause[str] = literal_column("''")  # a literal, not a parameter, so GROUP BY matches the SELECT


def _rollup_columns() -> list:
    return [
        _month_start(LedgerEntry.sale_date),
        LedgerEntry.origin_county_code,
        LedgerEntry.category_code,
        LedgerEntry.channel,
        LedgerEntry.mechanism,
        LedgerEntry.certificate_no.is_not(None),
        LedgerEntry.buyer_province_code,
        func.min(func.coalesce(LedgerEntry.origin_city_code, EMPTY)),
        func.min(LedgerEntry.origin_province_code),
        func.sum(LedgerEntry.amount_fen),
        func.sum(LedgerEntry.quantity),
        func.coalesce(func.sum(LedgerEntry.weight_g), 0),
        func.count(),
    ]


def rollup_differences() -> list[dict[str, Any]]:
    """Rollup rows that differ from the sum of the entries (none, unless something bypassed `record`)."""
    raw = {
        tuple(row[: len(ROLLUP_KEY)]): tuple(row[len(ROLLUP_KEY) + 2 :])
        for row in db.session.execute(
            select(*_rollup_columns()).group_by(*_rollup_columns()[: len(ROLLUP_KEY)])
        )
    }
    rolled = {
        tuple(getattr(r, k) for k in ROLLUP_KEY): (r.amount_fen, r.quantity, r.weight_g, r.entries)
        for r in db.session.scalars(select(LedgerMonthly))
    }
    return [
        {"key": [str(part) for part in key], "entries": raw.get(key), "rollup": rolled.get(key)}
        for key in sorted(raw.keys() | rolled.keys(), key=lambda k: tuple(str(p) for p in k))
        if raw.get(key) != rolled.get(key)
    ]


def split(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` in proportion to `weights`, the remainder to the largest parts first; the
    parts add up to the amount exactly."""
    total = sum(weights)
    parts = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[: amount - sum(parts)]:
        parts[i] += 1
    assert sum(parts) == amount
    return parts


def _line_sale(
    line,
    source_key: str,
    amount_fen: int,
    quantity: int,
    certificate_no: str | None,
    *,
    sale_date: date,
    region_code: str,
    channel: str,
    buyer_agency_id: int | None = None,
) -> Sale:
    """An order line's money as a sale, bought and delivered in one region: a web order's shipping
    address, an agency's own region."""
    return Sale(
        source_key=source_key,
        sale_date=sale_date,
        amount_fen=amount_fen,
        quantity=quantity,
        product_id=line.product_id,
        buyer_region_code=region_code,
        delivery_region_code=region_code,
        channel=channel,
        certificate_no=certificate_no,
        buyer_agency_id=buyer_agency_id,
    )


def _paid_key(line) -> str:
    return f"order_line:{line.id}:paid"


def record_order_paid(order, sale_date: date) -> int:
    """A web order's money arrived: one entry per line, under the certificate valid that day."""
    certificates = certificates_on({line.product_id for line in order.lines}, sale_date)
    sale = partial(
        _line_sale, sale_date=sale_date, region_code=order.shipping_region_code, channel=Channel.WEB
    )
    return record(
        sale(line, _paid_key(line), line.line_total_fen, line.quantity, certificates.get(line.product_id))
        for line in order.lines
    )


def record_refund(refund, order, refund_date: date) -> int:
    """Negative entries for a refund: by the lines it names, or its amount split over the lines in
    proportion to their value. Only lines whose sale is in the ledger are reversed, each under the
    certificate its sale counted under."""
    originals = _by_key(LedgerEntry, LedgerEntry.source_key, {_paid_key(line) for line in order.lines})
    lines = [line for line in order.lines if _paid_key(line) in originals]
    if not lines:
        return 0
    if refund.lines:
        parts = [
            (
                line,
                -line.unit_price_fen * refund.lines.get(str(line.id), 0),
                -refund.lines.get(str(line.id), 0),
            )
            for line in lines
            if refund.lines.get(str(line.id))
        ]
    else:
        amounts = split(refund.amount_fen, [line.line_total_fen for line in lines])
        parts = [(line, -amount, 0) for line, amount in zip(lines, amounts, strict=True) if amount]
    sale = partial(
        _line_sale, sale_date=refund_date, region_code=order.shipping_region_code, channel=Channel.WEB
    )
    return record(
        sale(
            line,
            f"refund:{refund.id}:line:{line.id}",
            amount,
            quantity,
            originals[_paid_key(line)].certificate_no,
        )
        for line, amount, quantity in parts
    )


def record_purchase_order_paid(order, agency, sale_date: date) -> int:
    """A purchase order fully paid: one entry per line, at the value received, under the
    certificate each line's product holds on the day the money arrived (lines say which)."""
    sale = partial(
        _line_sale,
        sale_date=sale_date,
        region_code=agency.region_code,
        channel=Channel.UNION if agency.kind == AgencyKind.UNION else Channel.PROCUREMENT,
        buyer_agency_id=agency.id,
    )
    return record(
        sale(
            line,
            f"po_line:{line.id}:paid",
            line.received_value_fen,
            line.quantity_received,
            line.certificate_no,
        )
        for line in order.open_lines
        if line.received_value_fen
    )
