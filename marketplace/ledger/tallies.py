"""Summing the ledger: slices of it, tallies grouped by region, channel, month …, with names."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Label, Select, false, func, or_, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import officer_scope
from marketplace.catalog.models import Category
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.ledger.models import CHANNEL_NAMES, MECHANISM_NAMES, LedgerEntry, LedgerMonthly
from marketplace.regions.models import Region
from marketplace.regions.services import require_region, within
from marketplace.suppliers.models import Supplier

# What a tally sums over: LedgerEntry or its monthly rollup LedgerMonthly, told apart by `source is
# LedgerMonthly`, which type checkers do not narrow a union of classes by; hence Any.
Source: TypeAlias = Any
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

    def conditions(self, source: Source) -> list[ColumnElement[bool]]:
        rollup = source is LedgerMonthly
        day = source.month if rollup else source.sale_date
        where: list[ColumnElement[bool]] = []
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


def sums(source: Source) -> list[Label[Any]]:
    """amount_fen, quantity, weight_g and entries summed over the rows of `source`."""
    return [
        func.coalesce(func.sum(source.amount_fen), 0).label("amount_fen"),
        func.coalesce(func.sum(source.quantity), 0).label("quantity"),
        func.coalesce(func.sum(source.weight_g), 0).label("weight_g"),
        (func.coalesce(func.sum(source.entries), 0) if source is LedgerMonthly else func.count()).label(
            "entries"
        ),
    ]


def month_of(source: Source) -> ColumnElement[str]:
    day = source.month if source is LedgerMonthly else source.sale_date
    return func.substr(func.cast(day, db.String), 1, 7)


def _group_column(source: Source, name: str) -> Label[Any]:
    if name == "month":
        return month_of(source).label("month")
    column: ColumnElement[Any] = getattr(source, GROUP_COLUMNS[name])
    if source is LedgerMonthly and name == "origin_city":
        column = func.nullif(column, "")  # the rollup keeps an absent city as ''
    return column.label(name)


def entries_in_scope(source: Source, scope: list[Region]) -> ColumnElement[bool] | None:
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
) -> Select[Any]:
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
    narrowed = scope if scope is not None and not _inside(part, scope) else None
    rollup = part.fits_rollup(group_by) and not raw
    if narrowed is not None and entries_in_scope(LedgerMonthly, narrowed) is None:
        rollup = False
    source = LedgerMonthly if rollup else LedgerEntry
    columns = [_group_column(source, name) for name in group_by]
    where = part.conditions(source)
    if narrowed is not None:
        in_scope = entries_in_scope(source, narrowed)
        assert in_scope is not None, "a source that cannot tell was left for the entries above"
        where.append(in_scope)
    stmt: Select[Any] = select(*columns, *sums(source)).where(*where)
    if columns:
        stmt = stmt.group_by(*columns).order_by(*columns)
    return stmt


def tallies(actor: User, group_by: list[str], filters: dict[str, Any]) -> list[dict[str, Any]]:
    """GET /tallies: admins sum the whole ledger; officers the entries whose origin or buyer lies
    within their regions, whatever regions they name (a named region narrows within that). Each
    code grouped by has its name beside it (`origin_county_name`, `supplier_name`, ...)."""
    return with_names(tally(group_by, filters, scope=officer_scope(actor, "Tallies")), group_by)


REGION_GROUPS = ("origin_county", "origin_city", "origin_province", "buyer_province", "buyer_city")


LABELS: dict[str, dict[str, str]] = {"channel": CHANNEL_NAMES, "mechanism": MECHANISM_NAMES}


def with_names(rows: list[dict[str, Any]], group_by: list[str]) -> list[dict[str, Any]]:
    """The rows with a `<group>_name` beside each code: regions, suppliers and categories read in
    one query each, whatever the number of rows; channels and mechanisms in the reader's language."""
    lookups = [
        (Region.code, Region.name, [g for g in group_by if g in REGION_GROUPS]),
        (Supplier.id, Supplier.name, [g for g in group_by if g == "supplier"]),
        (Category.code, Category.name, [g for g in group_by if g == "category"]),
    ]
    names: dict[str, dict[Any, str]] = {}
    for key, name, groups in lookups:
        wanted = {row[g] for row in rows for g in groups if row[g] is not None}
        stmt = select(key, name).where(key.in_(wanted))
        found = dict(db.session.execute(stmt).all()) if wanted else {}
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
