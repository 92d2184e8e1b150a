"""Writing the ledger when money is received or refunded, and summing it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, delete, false, func, insert, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.accounts.models import User
from marketplace.accounts.permissions import officer_scope
from marketplace.catalog.models import Category, Product
from marketplace.extensions import db
from marketplace.i18n import N_, _
from marketplace.ledger.models import LedgerEntry, LedgerMonthly
from marketplace.regions.models import Pairing, Region
from marketplace.regions.services import require_region, within
from marketplace.suppliers.models import Supplier

# The channels and mechanisms as people call them, translated when shown.
CHANNEL_NAMES = {
    "web": N_("Online shop"),
    "procurement": N_("Procurement"),
    "union": N_("Trade union"),
    "counter": N_("Assistance counter"),
    "hall": N_("Assistance hall"),
    "zone": N_("Assistance zone"),
}
MECHANISM_NAMES = {
    "east_west": N_("East-west cooperation"),
    "government_procurement": N_("Government procurement"),
    "designated_assistance": N_("Designated assistance"),
    "social": N_("Social assistance"),
}


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


def _by_key(model, key, values: set) -> dict:
    """Rows of `model` whose `key` is among `values`, by that key: one query, however many."""
    if not values:
        return {}
    return {getattr(row, key.key): row for row in db.session.scalars(select(model).where(key.in_(values)))}


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
                "buyer_agency_id": sale.buyer_agency_id,
                "delivery_region_code": sale.delivery_region_code,
                "channel": sale.channel,
                "mechanism": mechanism,
                "paired_purchase": paired and sale.channel in ("procurement", "union"),
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
    return db.session.scalar(select(func.count()).select_from(LedgerMonthly))


def _month_start(day):
    if db.engine.dialect.name == "postgresql":
        return func.cast(func.date_trunc(literal_column("'month'"), day), Date)
    return func.date(day, literal_column("'start of month'"), type_=Date)


EMPTY = literal_column("''")  # a literal, not a parameter, so GROUP BY matches the SELECT


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


GROUP_COLUMNS = {
    "origin_county": "origin_county_code",
    "origin_city": "origin_city_code",
    "origin_province": "origin_province_code",
    "buyer_province": "buyer_province_code",
    "buyer_city": "buyer_city_code",
    "channel": "channel",
    "mechanism": "mechanism",
    "supplier": "supplier_id",
    "category": "category_code",
}
GROUPS = [*GROUP_COLUMNS, "month"]


@dataclass(frozen=True)
class Slice:
    """A part of the ledger: the dates [start, end), where buyer and origin lie, and the rest."""

    start: date | None = None
    end: date | None = None
    buyer: Region | None = None
    origin: Region | None = None
    channels: tuple[str, ...] = ()
    mechanism: str | None = None
    category: str | None = None  # a category and the ones under it
    certified_only: bool = False

    def fits_rollup(self, group_by: Iterable[str] = ()) -> bool:
        """Whether the monthly rollup can answer: whole months, the buyer's province at most, no supplier."""
        return self.covered_by_rollup(group_by) and all(
            d is None or d.day == 1 for d in (self.start, self.end)
        )

    def covered_by_rollup(self, group_by: Iterable[str] = ()) -> bool:
        """Whether the rollup holds every dimension asked for, whatever the dates."""
        return not {"supplier", "buyer_city"} & set(group_by) and (
            self.buyer is None or self.buyer.level == "province"
        )

    def conditions(self, source) -> list:
        rollup = source is LedgerMonthly
        day = source.month if rollup else source.sale_date
        where = []
        if self.start:
            where.append(day >= self.start)
        if self.end:
            where.append(day < self.end)
        for region, prefix in ((self.buyer, "buyer"), (self.origin, "origin")):
            if region is None:
                continue
            if region.level in ("province", "city"):
                column = getattr(source, f"{prefix}_{region.level}_code")
            else:
                column = source.origin_county_code if prefix == "origin" else source.buyer_region_code
            where.append(column == region.code)
        if self.channels:
            where.append(source.channel.in_(self.channels))
        if self.mechanism:
            where.append(source.mechanism == self.mechanism)
        if self.category:
            where.append(
                (source.category_code == self.category) | source.category_code.startswith(self.category + ".")
            )
        if self.certified_only:
            where.append(source.certified.is_(True) if rollup else source.certificate_no.is_not(None))
        return where


def sums(source) -> list:
    """amount_fen, quantity, weight_g and entries summed over the rows of `source`."""
    return [
        func.coalesce(func.sum(source.amount_fen), 0).label("amount_fen"),
        func.coalesce(func.sum(source.quantity), 0).label("quantity"),
        func.coalesce(func.sum(source.weight_g), 0).label("weight_g"),
        (func.coalesce(func.sum(source.entries), 0) if source is LedgerMonthly else func.count()).label(
            "entries"
        ),
    ]


def month_of(source):
    day = source.month if source is LedgerMonthly else source.sale_date
    return func.substr(func.cast(day, db.String), 1, 7)


def _group_column(source, name: str):
    if name == "month":
        return month_of(source).label("month")
    column = getattr(source, GROUP_COLUMNS[name])
    if source is LedgerMonthly and name == "origin_city":
        column = func.nullif(column, "")  # the rollup keeps an absent city as ''
    return column.label(name)


def entries_in_scope(source, scope: list[Region]) -> ColumnElement[bool] | None:
    """Rows whose origin or buyer lies within one of the scope's regions; None where `source`
    cannot tell (the rollup keeps the buyer's province only)."""
    conditions = []
    for region in scope:
        # Origins are kept down to the county: a town's officer has no origin side here.
        if region.level != "town":
            conditions.append(getattr(source, f"origin_{region.level}_code") == region.code)
        if region.level == "province":
            conditions.append(source.buyer_province_code == region.code)
        elif source is LedgerMonthly:
            return None
        elif region.level == "city":
            conditions.append(source.buyer_city_code == region.code)
        else:
            conditions.append(within(source.buyer_region_code, region))
    return or_(*conditions) if conditions else false()


def _inside(part: Slice, scope: list[Region]) -> bool:
    """Whether every entry of the slice lies in the scope: its origin or its buyer is within it."""
    sides = [side for side in (part.origin, part.buyer) if side is not None]
    return any(region.code in side.ancestor_codes for side in sides for region in scope)


def tally_statement(
    group_by: list[str], filters: dict[str, Any], *, raw: bool = False, scope: list[Region] | None = None
) -> Select:
    """The query behind `tally`: from the monthly rollup where it holds what is asked, else from the
    entries; `raw` forces the entries (the rollup always equals them). With a `scope` (an
    officer's regions), only the entries whose origin or buyer lies within it are summed."""
    year = filters.get("year")
    part = Slice(
        start=date(year, 1, 1) if year else None,
        end=date(year + 1, 1, 1) if year else None,
        buyer=require_region(filters["buyer_region"], "buyer_region")
        if filters.get("buyer_region")
        else None,
        origin=require_region(filters["origin_region"], "origin_region")
        if filters.get("origin_region")
        else None,
        channels=tuple(filters.get("channel") or ()),
        certified_only=bool(filters.get("certified_only")),
    )
    narrowed = scope is not None and not _inside(part, scope)
    rollup = part.fits_rollup(group_by) and not raw
    if narrowed and entries_in_scope(LedgerMonthly, scope) is None:
        rollup = False
    source = LedgerMonthly if rollup else LedgerEntry
    columns = [_group_column(source, name) for name in group_by]
    where = part.conditions(source)
    if narrowed:
        where.append(entries_in_scope(source, scope))
    stmt: Select = select(*columns, *sums(source)).where(*where)
    if columns:
        stmt = stmt.group_by(*columns).order_by(*columns)
    return stmt


def tallies(actor: User, group_by: list[str], filters: dict[str, Any]) -> list[dict[str, Any]]:
    """GET /tallies: admins sum the whole ledger; officers the entries whose origin or buyer lies
    within their regions, whatever regions they name (a named region narrows within that). Each
    code grouped by has its name beside it (`origin_county_name`, `supplier_name`, ...)."""
    return with_names(tally(group_by, filters, scope=officer_scope(actor, "Tallies")), group_by)


REGION_GROUPS = ("origin_county", "origin_city", "origin_province", "buyer_province", "buyer_city")
LABELS = {"channel": CHANNEL_NAMES, "mechanism": MECHANISM_NAMES}


def with_names(rows: list[dict[str, Any]], group_by: list[str]) -> list[dict[str, Any]]:
    """The rows with a `<group>_name` beside each code: regions, suppliers and categories read in
    one query each, whatever the number of rows; channels and mechanisms in the reader's language."""
    lookups = [
        (Region.code, Region.name, [g for g in group_by if g in REGION_GROUPS]),
        (Supplier.id, Supplier.name, [g for g in group_by if g == "supplier"]),
        (Category.code, Category.name, [g for g in group_by if g == "category"]),
    ]
    names: dict[str, dict] = {}
    for key, name, groups in lookups:
        wanted = {row[g] for row in rows for g in groups if row[g] is not None}
        stmt = select(key, name).where(key.in_(wanted))
        found = dict(db.session.execute(stmt).tuples().all()) if wanted else {}
        names.update({g: found for g in groups})
    for group, labels in LABELS.items():
        if group in group_by:
            names[group] = {code: _(label) for code, label in labels.items()}
    return [{**row, **{f"{g}_name": names[g].get(row[g]) for g in group_by if g in names}} for row in rows]


def tally(
    group_by: list[str], filters: dict[str, Any], *, raw: bool = False, scope: list[Region] | None = None
) -> list[dict[str, Any]]:
    """Sums over the ledger, grouped and filtered: amount_fen, quantity, weight_g and entries per group."""
    return [
        {
            **row._mapping,
            **{k: int(row._mapping[k]) for k in ("amount_fen", "quantity", "weight_g", "entries")},
        }
        for row in db.session.execute(tally_statement(group_by, filters, raw=raw, scope=scope))
        if not group_by or row.entries
    ]


def record_order_paid(order, sale_date: date) -> int:
    """A web order's money arrived: one entry per line, under the certificate valid that day."""
    certificates = certificates_on({line.product_id for line in order.lines}, sale_date)
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
            certificate_no=certificates.get(line.product_id),
        )
        for line in order.lines
    )


def record_refund(refund, order, refund_date: date) -> int:
    """Negative entries for a refund: by the lines it names, or its amount split over the lines in
    proportion to their value. Only lines whose sale is in the ledger are reversed, each under the
    certificate its sale counted under."""
    originals = _by_key(
        LedgerEntry, LedgerEntry.source_key, {f"order_line:{line.id}:paid" for line in order.lines}
    )
    lines = [line for line in order.lines if f"order_line:{line.id}:paid" in originals]
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
            certificate_no=originals[f"order_line:{line.id}:paid"].certificate_no,
        )
        for line, amount, quantity in parts
    )


def record_purchase_order_paid(order, agency, sale_date: date) -> int:
    """A purchase order fully paid: one entry per line, at the value received, under the
    certificate each line's product holds on the day the money arrived (lines say which)."""
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
            buyer_agency_id=agency.id,
        )
        for line in order.open_lines
        if line.received_value_fen
    )


def certificates_on(product_ids: set[int], day: date) -> dict[int, str]:
    """The certificate each product holds on `day`, for those that hold one: a sale counts as
    certified only under a certificate valid, and not revoked, on the day its money is received."""
    products = _by_key(Product, Product.id, product_ids)
    return {i: p.certificate_no for i, p in products.items() if p.certificate_no and p.certified_on(day)}


def certificate_on(product_id: int, day: date) -> str | None:
    """certificates_on for one product, from the session's identity map where it is loaded."""
    product = db.session.get(Product, product_id)
    return product.certificate_no if product.certified_on(day) else None
