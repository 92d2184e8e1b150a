"""Writing the ledger when money is received or refunded, and summing it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.regions.models import Pairing, Region
from marketplace.regions.services import require_region


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


def _paired(buyer: Region, origin: Region) -> bool:
    """Whether the buyer's region (or one above it) is paired to help the origin (or one above it)."""
    stmt = (
        select(Pairing.id)
        .where(
            Pairing.helper_region_code.in_(buyer.ancestor_codes),
            Pairing.assisted_region_code.in_(origin.ancestor_codes),
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def record(sales: Iterable[Sale]) -> int:
    """Append entries, each once: an entry whose source key is there already is skipped, so a
    replayed payment event is counted once. Returns how many were new. Joins the caller's transaction."""
    rows: list[dict[str, Any]] = []
    for sale in sales:
        product = db.session.get(Product, sale.product_id)
        origin = db.session.get(Region, product.origin_region_code)
        buyer = db.session.get(Region, sale.buyer_region_code)
        paired = _paired(buyer, origin)
        mechanism = (
            "east_west"
            if paired
            else "government_procurement"
            if sale.channel in ("procurement", "union")
            else "social"
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
                "delivery_region_code": sale.delivery_region_code,
                "channel": sale.channel,
                "mechanism": mechanism,
                "paired_purchase": paired and sale.channel in ("procurement", "union"),
                "certificate_no": sale.certificate_no,
            }
        )
    if not rows:
        return 0
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LedgerEntry).values(rows).on_conflict_do_nothing(index_elements=["source_key"])
    return db.session.execute(stmt).rowcount


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


GROUPS = {
    "origin_county": LedgerEntry.origin_county_code,
    "origin_city": LedgerEntry.origin_city_code,
    "origin_province": LedgerEntry.origin_province_code,
    "buyer_province": LedgerEntry.buyer_province_code,
    "buyer_city": LedgerEntry.buyer_city_code,
    "channel": LedgerEntry.channel,
    "mechanism": LedgerEntry.mechanism,
    "supplier": LedgerEntry.supplier_id,
    "category": LedgerEntry.category_code,
}


def tally(group_by: list[str], filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Sums over the ledger, grouped and filtered: amount_fen, quantity and entries per group."""
    columns = []
    for name in group_by:
        if name == "month":
            columns.append(func.substr(func.cast(LedgerEntry.sale_date, db.String), 1, 7).label("month"))
        else:
            columns.append(GROUPS[name].label(name))
    stmt: Select = select(
        *columns,
        func.sum(LedgerEntry.amount_fen).label("amount_fen"),
        func.sum(LedgerEntry.quantity).label("quantity"),
        func.count().label("entries"),
    )
    if year := filters.get("year"):
        stmt = stmt.where(
            LedgerEntry.sale_date >= date(year, 1, 1), LedgerEntry.sale_date < date(year + 1, 1, 1)
        )
    for field, column in (("buyer_region", "buyer"), ("origin_region", "origin")):
        if code := filters.get(field):
            region = require_region(code, field)
            level = {"province": "province_code", "city": "city_code"}.get(region.level, "code")
            target = getattr(
                LedgerEntry,
                f"{column}_{level}"
                if level != "code"
                else ("origin_county_code" if column == "origin" else "buyer_region_code"),
            )
            stmt = stmt.where(target == region.code)
    if channels := filters.get("channel"):
        stmt = stmt.where(LedgerEntry.channel.in_(channels))
    if filters.get("certified_only"):
        stmt = stmt.where(LedgerEntry.certificate_no.is_not(None))
    if columns:
        stmt = stmt.group_by(*columns).order_by(*columns)
    return [dict(row._mapping) for row in db.session.execute(stmt)]


def record_order_paid(order, sale_date: date) -> int:
    """A web order's money arrived: one entry per line, under the certificate valid that day."""
    return record(
        Sale(
            source_key=f"order_line:{line.id}:paid",
            sale_date=sale_date,
            amount_fen=line.line_total_fen,
            quantity=line.quantity,
            product_id=line.product_id,
            buyer_region_code=order.shipping_region_code,
            delivery_region_code=order.shipping_region_code,
            channel="web",
            certificate_no=_certificate_on(line.product_id, sale_date),
        )
        for line in order.lines
    )


def record_refund(refund, order, refund_date: date) -> int:
    """Negative entries for a refund: by the lines it names, or its amount split over the lines in
    proportion to their value. Only lines whose sale is in the ledger are reversed."""
    lines = [line for line in order.lines if _original(line.id) is not None]
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
    return record(
        Sale(
            source_key=f"refund:{refund.id}:line:{line.id}",
            sale_date=refund_date,
            amount_fen=amount,
            quantity=quantity,
            product_id=line.product_id,
            buyer_region_code=order.shipping_region_code,
            delivery_region_code=order.shipping_region_code,
            channel="web",
            certificate_no=_original(line.id).certificate_no,
        )
        for line, amount, quantity in parts
    )


def record_purchase_order_paid(order, agency, sale_date: date) -> int:
    """A purchase order fully paid: one entry per line, at the value received."""
    channel = "union" if agency.kind == "union" else "procurement"
    return record(
        Sale(
            source_key=f"po_line:{line.id}:paid",
            sale_date=sale_date,
            amount_fen=line.received_value_fen,
            quantity=line.quantity_received,
            product_id=line.product_id,
            buyer_region_code=agency.region_code,
            delivery_region_code=agency.region_code,
            channel=channel,
            certificate_no=line.certificate_no,
        )
        for line in order.open_lines
        if line.received_value_fen
    )


def _original(order_line_id: int) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.source_key == f"order_line:{order_line_id}:paid")
    )


def _certificate_on(product_id: int, day: date) -> str | None:
    product = db.session.get(Product, product_id)
    return product.certificate_no if product.certified_on(day) else None
