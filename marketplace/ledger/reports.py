"""The monthly ledger (台账): every entry of a month with its dimensions, and totals per origin
county and channel, as XLSX or CSV. Made by a task (on the first of each month for the month
before, or on request) and kept in storage; officers get their region's, admins any."""

import csv
import io
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from openpyxl import Workbook
from sqlalchemy import Select, case, false, or_, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import User
from marketplace.catalog.models import Category, Product
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import LOCALES, N_, _, force_locale, locale_tag
from marketplace.ledger.models import CHANNEL_NAMES, MECHANISM_NAMES, LedgerEntry, LedgerReport, ReportStatus
from marketplace.outbox import services as outbox
from marketplace.regions.models import Region
from marketplace.regions.services import is_within, require_region, within
from marketplace.storage import storage
from marketplace.suppliers.models import Supplier
from marketplace.timeutil import china_today, now

log = logging.getLogger(__name__)

MAKE_REPORT = "ledger.make_report"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The columns, in the file's language (its requester's; zh-CN for the monthly task's).
HEADER = [
    N_("Entry"),
    N_("Sale date"),
    N_("Source"),
    N_("Product ID"),
    N_("Product"),
    N_("Category"),
    N_("Category name"),
    N_("Supplier ID"),
    N_("Supplier"),
    N_("Origin county"),
    N_("Origin county name"),
    N_("Origin province"),
    N_("Origin province name"),
    N_("Buyer region"),
    N_("Buyer region name"),
    N_("Buyer province"),
    N_("Buyer province name"),
    N_("Delivery region"),
    N_("Delivery region name"),
    N_("Channel"),
    N_("Mechanism"),
    N_("Purchase or helped sale"),
    N_("Quantity"),
    N_("Net weight (g)"),
    N_("Amount (fen)"),
    N_("Amount (yuan)"),
    N_("Certificate"),
]
TOTALS_HEADER = [
    N_("Origin county"),
    N_("Origin county name"),
    N_("Channel"),
    N_("Entries"),
    N_("Quantity"),
    N_("Amount (fen)"),
    N_("Amount (yuan)"),
]


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (= + - @, or a leading tab or return) gets a
    leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _scope_region(actor: User, region_code: str | None) -> str | None:
    if actor.is_admin:
        if region_code:
            require_region(region_code, "region_code")
        return region_code or None
    if not actor.officer_region_codes:
        raise Forbidden(_("The monthly ledger is for officers and admins."))
    if region_code is None:
        return actor.officer_region_codes[0]
    require_region(region_code, "region_code")
    if not any(is_within(region_code, own) for own in actor.officer_region_codes):
        raise Forbidden(_("Officers get the ledger of their own region only."))
    return region_code


def _require_month(month: str) -> str:
    if not MONTH.match(month or ""):
        raise InvalidField("month", _("A month as YYYY-MM, e.g. 2026-10."))
    if month > china_today().strftime("%Y-%m"):
        raise InvalidField("month", _("That month has not begun."))
    return month


def request_report(actor: User | None, month: str, fmt: str, region_code: str | None = None) -> LedgerReport:
    """Queue a report (actor None: the monthly task, whole ledger) and send it to a worker once
    committed; where tasks run in-process it is ready on return. It is written in the requester's
    language; the monthly task's in Chinese."""
    month = _require_month(month)
    scope = _scope_region(actor, region_code) if actor is not None else region_code
    report = LedgerReport(
        month=month,
        region_code=scope,
        format=fmt,
        requested_by_id=actor.id if actor else None,
        locale=locale_tag() if actor else "zh-CN",
    )
    db.session.add(report)
    db.session.flush()
    outbox.enqueue(MAKE_REPORT, report.id)
    db.session.commit()
    db.session.refresh(report)
    return report


def latest_report(actor: User, month: str, fmt: str, region_code: str | None) -> LedgerReport:
    """The newest report for this month, format and scope, ready or still being made; one in the
    reader's language first."""
    scope = _scope_region(actor, region_code)
    report = db.session.scalar(
        select(LedgerReport)
        .where(
            LedgerReport.month == _require_month(month),
            LedgerReport.format == fmt,
            LedgerReport.region_code.is_(None) if scope is None else LedgerReport.region_code == scope,
            LedgerReport.status != ReportStatus.FAILED,
        )
        .order_by(case((LedgerReport.locale == locale_tag(), 0), else_=1), LedgerReport.id.desc())
        .limit(1)
    )
    if report is None:
        raise NotFound(
            _(
                "No %(format)s ledger for %(month)s yet: request one with POST /reports/ledger.",
                format=fmt,
                month=month,
            )
        )
    return report


def get_report(actor: User, report_id: int) -> LedgerReport:
    report = db.session.get(LedgerReport, report_id)
    if report is None:
        raise NotFound(_("No report %(id)s.", id=report_id))
    if not actor.is_admin and (
        report.region_code is None
        or not any(is_within(report.region_code, own) for own in actor.officer_region_codes)
    ):
        raise NotFound(_("No report %(id)s.", id=report_id))
    return report


def list_requests(actor: User) -> Select[Any]:
    """The caller's own requests, newest first; an officer's only while the region is still theirs."""
    stmt = (
        select(LedgerReport).where(LedgerReport.requested_by_id == actor.id).order_by(LedgerReport.id.desc())
    )
    if actor.is_admin:
        return stmt
    if not actor.officer_region_codes:
        raise Forbidden(_("The monthly ledger is for officers and admins."))
    regions = [db.session.get(Region, code) for code in actor.officer_region_codes]
    return stmt.where(or_(false(), *(within(LedgerReport.region_code, r) for r in regions if r is not None)))


def ready_report(actor: User, report_id: int) -> LedgerReport:
    """A report the caller may read, for its file: pending is returned as it is; failed is refused."""
    report = get_report(actor, report_id)
    if report.status == ReportStatus.FAILED:
        raise Conflict(_("Report %(id)s could not be made: request the ledger again.", id=report_id))
    return report


def read_file(report: LedgerReport) -> bytes:
    """The ready report's bytes; 404 when the store has lost them (a report made again has them)."""
    assert report.storage_key is not None, "a ready report has the key of its file"
    data = storage().read(report.storage_key)
    if data is None:
        raise NotFound(_("The file of report %(id)s is missing: request the ledger again.", id=report.id))
    return data


def _rows(report: LedgerReport) -> Iterator[tuple[LedgerEntry, list[Any]]]:
    year, month = map(int, report.month.split("-"))
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    origin, origin_province, buyer = aliased(Region), aliased(Region), aliased(Region)
    buyer_province, delivery = aliased(Region), aliased(Region)
    stmt = (
        select(
            LedgerEntry,
            Product.name,
            Category.name,
            Supplier.name,
            origin.name,
            origin_province.name,
            buyer.name,
            buyer_province.name,
            delivery.name,
        )
        .join(Product, Product.id == LedgerEntry.product_id)
        .join(Supplier, Supplier.id == LedgerEntry.supplier_id)
        .join(origin, origin.code == LedgerEntry.origin_county_code)
        .join(buyer, buyer.code == LedgerEntry.buyer_region_code)
        .outerjoin(Category, Category.code == LedgerEntry.category_code)
        .outerjoin(origin_province, origin_province.code == LedgerEntry.origin_province_code)
        .outerjoin(buyer_province, buyer_province.code == LedgerEntry.buyer_province_code)
        .outerjoin(delivery, delivery.code == LedgerEntry.delivery_region_code)
        .where(LedgerEntry.sale_date >= start, LedgerEntry.sale_date < end)
        .order_by(LedgerEntry.sale_date, LedgerEntry.id)
        .execution_options(yield_per=2000)
    )
    if report.region_code:
        region = db.session.get_one(Region, report.region_code)
        stmt = stmt.where(
            or_(within(LedgerEntry.origin_county_code, region), within(LedgerEntry.buyer_region_code, region))
        )
    channels = {code: _(name) for code, name in CHANNEL_NAMES.items()}
    mechanisms = {code: _(name) for code, name in MECHANISM_NAMES.items()}
    purchase, helped = _("Purchase"), _("Helped sale")
    for e, product, category, supplier, *regions in db.session.execute(stmt):
        origin_name, origin_province_name, buyer_name, buyer_province_name, delivery_name = regions
        yield (
            e,
            [
                e.id,
                e.sale_date,
                e.source_key,
                e.product_id,
                product,
                e.category_code,
                category,
                e.supplier_id,
                supplier,
                e.origin_county_code,
                origin_name,
                e.origin_province_code,
                origin_province_name,
                e.buyer_region_code,
                buyer_name,
                e.buyer_province_code,
                buyer_province_name,
                e.delivery_region_code,
                delivery_name,
                channels[e.channel],
                mechanisms[e.mechanism],
                purchase if e.paired_purchase else helped,
                e.quantity,
                e.weight_g,
                e.amount_fen,
                _yuan(e.amount_fen),
                e.certificate_no,
            ],
        )


def _yuan(fen: int) -> Decimal:
    """Yuan for a spreadsheet's number cell, exact from the fen (no float)."""
    return Decimal(fen).scaleb(-2)


def build(report: LedgerReport) -> tuple[bytes, int, int]:
    """The file's bytes, the number of entries in it and their total, in the report's language."""
    with force_locale(LOCALES[report.locale]):
        return _build(report)


def _build(report: LedgerReport) -> tuple[bytes, int, int]:
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    names: dict[str, str] = {}
    entries: list[list[Any]] = []
    header, totals_header = [_(h) for h in HEADER], [_(h) for h in TOTALS_HEADER]
    if report.format == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Ledger %(month)s", month=report.month))
        sheet.append(header)
    for entry, row in _rows(report):
        total = totals[(entry.origin_county_code, entry.channel)]
        total[0] += 1
        total[1] += entry.quantity
        total[2] += entry.amount_fen
        names[entry.origin_county_code] = row[HEADER.index("Origin county name")]
        row = [neutralise(v) for v in row]
        if report.format == "xlsx":
            sheet.append(row)
        else:
            entries.append(row)
    summary = [
        [county, neutralise(names[county]), _(CHANNEL_NAMES[channel]), n, quantity, amount, _yuan(amount)]
        for (county, channel), (n, quantity, amount) in sorted(totals.items())
    ]
    grand = [sum(t[i] for t in totals.values()) for i in range(3)]
    summary.append([_("Total"), "", "", grand[0], grand[1], grand[2], _yuan(grand[2])])
    if report.format == "xlsx":
        sums = book.create_sheet(_("Totals by county and channel"))
        sums.append(totals_header)
        for row in summary:
            sums.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), grand[0], grand[2]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(entries)
    writer.writerow([])
    writer.writerow(totals_header)
    writer.writerows(summary)
    # With a byte-order mark: Excel opens UTF-8 CSV as GBK otherwise.
    return ("\ufeff" + text.getvalue()).encode("utf-8"), grand[0], grand[2]


def make_report(report_id: int) -> str:
    """Build a queued report and store it (idempotent: a report made already is left as it is)."""
    report = db.session.get(LedgerReport, report_id)
    if report is None or report.status == ReportStatus.READY:
        return "skipped"
    try:
        data, count, total = build(report)
    except Exception:
        db.session.rollback()
        report.status, report.finished_at = ReportStatus.FAILED, now()
        db.session.commit()
        raise
    key = f"{uuid.uuid4().hex}.{report.format}"
    storage().save(key, data)
    report.storage_key, report.entries, report.total_fen = key, count, total
    report.status, report.finished_at = ReportStatus.READY, now()
    db.session.commit()
    return "ready"


def make_stale(limit: int = 20) -> int:
    """Make the reports still pending after the visibility timeout: their task was lost (a Redis
    that restarted with it queued). A beat task, every 15 minutes."""
    lost = now() - timedelta(seconds=current_app.config["TASK_VISIBILITY_TIMEOUT_SECONDS"])
    stale = db.session.scalars(
        select(LedgerReport.id)
        .where(LedgerReport.status == ReportStatus.PENDING, LedgerReport.created_at < lost)
        .order_by(LedgerReport.id)
        .limit(limit)
    )
    made = 0
    for report_id in list(stale):
        try:
            make_report(report_id)
        except Exception:  # marked failed by make_report; the others still get their turn
            log.exception("ledger report %s could not be made", report_id)
            continue
        made += 1
    return made


def request_last_month() -> list[LedgerReport]:
    """The whole ledger of the month before, in both formats: the task on the first of each month."""
    today = china_today()
    month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1).strftime("%Y-%m")
    return [request_report(None, month, fmt) for fmt in ("xlsx", "csv")]
