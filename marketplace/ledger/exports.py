"""Spreadsheets. The tallies: the rows GET /tallies answers for the same query, in the reader's
language, with amounts in yuan as number cells exact to the fen, a total row, and the query itself
on a second sheet so that a printed copy says what it sums. An agency's reserved-share standing: its
units ranked, in 万元, with the rolled-up total, for the finance office's 通报."""

import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from marketplace.accounts.models import User
from marketplace.i18n import N_, _, format_day, format_instant
from marketplace.ledger import quota, tallies
from marketplace.ledger.models import CHANNEL_NAMES
from marketplace.ledger.reports import neutralise
from marketplace.regions.services import require_region
from marketplace.timeutil import now

# Each dimension's columns: its code (where people look codes up) and its name.
GROUP_HEADERS = {
    "origin_county": (N_("Origin county code"), N_("Origin county")),
    "origin_city": (N_("Origin city code"), N_("Origin city")),
    "origin_province": (N_("Origin province code"), N_("Origin province")),
    "buyer_province": (N_("Buyer province code"), N_("Buyer province")),
    "buyer_city": (N_("Buyer city code"), N_("Buyer city")),
    "supplier": (N_("Supplier ID"), N_("Supplier")),
    "category": (N_("Category code"), N_("Category")),
    "channel": (None, N_("Channel")),
    "mechanism": (None, N_("Mechanism")),
    "month": (None, N_("Month")),
}
YUAN = "#,##0.00"
KILOGRAMS = "#,##0.000"


def _yuan(fen: int) -> Decimal:
    """Yuan for a number cell, exact from the fen (no float)."""
    return Decimal(fen).scaleb(-2)


def _kilograms(grams: int) -> Decimal:
    return Decimal(grams).scaleb(-3)


def _header(group_by: list[str]) -> list[str]:
    columns = [_(h) for g in group_by for h in GROUP_HEADERS[g] if h is not None]
    return [*columns, _("Entries"), _("Quantity"), _("Net weight (kg)"), _("Amount (yuan)")]


def _cells(row: dict[str, Any], group_by: list[str]) -> list[Any]:
    cells: list[Any] = []
    for g in group_by:
        code, name = row.get(g), row.get(f"{g}_name")
        if GROUP_HEADERS[g][0] is not None:
            cells.append(code)
        cells.append(code if g == "month" else name)
    return [
        *(neutralise(c) for c in cells),
        row["entries"],
        row["quantity"],
        _kilograms(row["weight_g"]),
        _yuan(row["amount_fen"]),
    ]


def _conditions(actor: User, group_by: list[str], filters: dict[str, Any]) -> list[list[Any]]:
    every = _("All")

    def region(field: str) -> str:
        code = filters.get(field)
        return f"{require_region(code, field).name} ({code})" if code else every

    channels = filters.get("channel") or []
    return [
        [_("Year"), filters.get("year") or every],
        [_("Buyer region"), region("buyer_region")],
        [_("Origin region"), region("origin_region")],
        [
            _("Channel"),
            _(", ").join(_(CHANNEL_NAMES[c]) for c in channels) if channels else every,
        ],
        [_("Certified products only"), _("Yes") if filters.get("certified_only") else _("No")],
        [_("Grouped by"), _(", ").join(_(GROUP_HEADERS[g][1]) for g in group_by) or _("None")],
        [_("Exported by"), neutralise(actor.display_name)],
        [_("Exported at"), format_instant(now())],
    ]


def export_tallies(actor: User, group_by: list[str], filters: dict[str, Any]) -> bytes:
    """GET /tallies/export: the rows of `tallies.tallies` for this actor and query, as XLSX, with
    their total; refused and scoped exactly as the tallies are."""
    rows = tallies.tallies(actor, group_by, filters)
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet), "a new workbook opens on a worksheet"
    sheet.title = _("Tallies")
    # Without dimensions the slice's one sum is the total row alone, labelled in a column of its own.
    header = _header(group_by) if group_by else ["", *_header(group_by)]
    sheet.append(header)
    for row in rows if group_by else []:
        sheet.append(_cells(row, group_by))
    totals = {k: sum(row[k] for row in rows) for k in ("entries", "quantity", "weight_g", "amount_fen")}
    label = [_("Total"), *[None] * (len(header) - 5)]
    sheet.append(
        [
            *label,
            totals["entries"],
            totals["quantity"],
            _kilograms(totals["weight_g"]),
            _yuan(totals["amount_fen"]),
        ]
    )
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = Font(bold=True)
    for (weight,) in sheet.iter_rows(min_row=2, min_col=len(header) - 1, max_col=len(header) - 1):
        weight.number_format = KILOGRAMS
    for (amount,) in sheet.iter_rows(min_row=2, min_col=len(header), max_col=len(header)):
        amount.number_format = YUAN
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, 2 * len(title) + 4)
    sheet.freeze_panes = "A2"
    conditions = book.create_sheet(_("Query"))
    for line in _conditions(actor, group_by, filters):
        conditions.append(line)
    conditions.column_dimensions["A"].width = 20
    conditions.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The quota standing's columns, for the finance office's 通报.
QUOTA_HEADER = (
    N_("Rank"),
    N_("Unit"),
    N_("Canteen food budget (10k yuan)"),
    N_("Reserved share"),
    N_("Reserved amount (10k yuan)"),
    N_("Purchased (10k yuan)"),
    N_("Gap (10k yuan)"),
    N_("Completion"),
    N_("Expected by now (10k yuan)"),
    N_("Pace"),
    N_("Filing"),
)
PACE_NAMES = {
    "achieved": N_("achieved"),
    "on_track": N_("on track"),
    "behind": N_("behind"),
    "missed": N_("missed"),
}
FILING_NAMES = {
    "met": N_("filed"),
    "behind": N_("filed"),
    "not_filed": N_("not filed"),
    "no_canteen": N_("exempt: no canteen"),
    "shared_canteen": N_("exempt: shared canteen"),
}
WAN_YUAN = "#,##0.00"
PERCENT = "0.00%"
RANKS = {"gap": N_("by gap, largest first"), "completion": N_("by completion, lowest first")}


def _wan_yuan(fen: int) -> Decimal:
    """万元 to two decimals for a number cell, halves rounded up, exact from the fen (no float)."""
    return (Decimal(fen) / 1_000_000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ratio(bp: int | None) -> Decimal | None:
    return None if bp is None else Decimal(bp).scaleb(-4)


def _standing_cells(figures: dict[str, Any]) -> list[Any]:
    return [
        _wan_yuan(figures["budget_fen"]),
        _ratio(figures.get("reserved_share_bp")),
        _wan_yuan(figures["reserved_fen"]),
        _wan_yuan(figures["purchased_fen"]),
        _wan_yuan(figures["gap_fen"]),
        _ratio(figures["completion_bp"]),
        _wan_yuan(figures["expected_by_now_fen"]),
        _(PACE_NAMES[figures["pace"]]) if figures["pace"] else None,
    ]


def export_quota(actor: User, agency_id: int, year: int, rank: quota.Rank) -> bytes:
    """GET /agencies/{id}/quota/export.xlsx: the agency's units (itself and every unit under it)
    ranked as GET /agencies/{id}/quota?rank= ranks them, with the rolled-up figures as the total row;
    money in 万元 to two decimals. Refused exactly as the quota is."""
    standing = quota.quota(actor, agency_id, year, rank)
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet), "a new workbook opens on a worksheet"
    sheet.title = _("Quota standings")
    sheet.append([_(h) for h in QUOTA_HEADER])
    for unit in standing["units"]:
        filing = unit["exemption"] or unit["status"]
        sheet.append(
            [
                unit["rank"],
                neutralise(unit["name"]),
                *_standing_cells(unit),
                _(FILING_NAMES[filing]),
            ]
        )
    sheet.append([_("Total"), None, *_standing_cells(standing), None])
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=9):
        for cell in row:
            cell.number_format = PERCENT if cell.column in (4, 8) else WAN_YUAN
    for index, title in enumerate(sheet[1], start=1):
        width = 32 if index == 2 else max(10, len(str(title.value)) + 6)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    about = book.create_sheet(_("About"))
    for line in (
        [_("Agency"), neutralise(standing["name"])],
        [_("Year"), year],
        [_("As of"), format_day(standing["as_of"])],
        [_("Ranked"), _(RANKS[rank])],
        [_("Counted"), _("Certified products' purchase orders, paid; at the value received.")],
        [_("Made"), format_instant(now())],
    ):
        about.append(line)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
