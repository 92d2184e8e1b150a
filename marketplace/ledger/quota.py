"""Reserved-share quotas: how much of its canteen budget (a union: of its gift funds) an agency has
spent on certified products from assisted areas in a year, summed over the ledger: only paid
purchase orders are entered, and of them only lines whose product was certified on the day the
money was received count, at the value received. Pace is linear over the days of the year, as a
target's is without last year's shape: by a day, that share of the year's days of the reserved
amount; behind below nine tenths of it."""

from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import officer_scope, scope_condition
from marketplace.agencies.models import Agency, AgencyFiling, AgencyKind, FilingStatus
from marketplace.agencies.services import filings_of, get_agency, subtree_ids
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.ledger.tallies import month_of
from marketplace.regions.services import require_region, within
from marketplace.timeutil import china_today

BEHIND_BELOW = (9, 10)  # nine tenths of the amount expected by now, compared in whole fen
Rank = Literal["gap", "completion"]


def share_fen(budget_fen: int, share_bp: int) -> int:
    """The amount a share of a budget comes to, rounded up: a requirement is never rounded away."""
    return -(-budget_fen * share_bp // 10_000)


def purchased_fen(agency_ids: list[int], year: int) -> dict[int, int]:
    """Per agency: its certified entries in the ledger for `year`, a sum like every other tally.
    A purchase order is entered when fully paid, a line at the value received under the certificate
    its product held that day; declined lines and the shop's sales have no entry of the agency."""
    rows = db.session.execute(
        select(LedgerEntry.buyer_agency_id, func.sum(LedgerEntry.amount_fen))
        .where(
            LedgerEntry.buyer_agency_id.in_(agency_ids),
            LedgerEntry.sale_date >= date(year, 1, 1),
            LedgerEntry.sale_date < date(year + 1, 1, 1),
            LedgerEntry.certificate_no.is_not(None),
        )
        .group_by(LedgerEntry.buyer_agency_id)
    ).all()
    return {agency_id: int(total or 0) for agency_id, total in rows if agency_id is not None}


def purchased_by_month(agency_ids: list[int], year: int) -> dict[str, int]:
    """The agencies' certified entries of `year` summed by month ("2026-03"), months without any absent."""
    month = month_of(LedgerEntry)
    rows = db.session.execute(
        select(month, func.sum(LedgerEntry.amount_fen))
        .where(
            LedgerEntry.buyer_agency_id.in_(agency_ids),
            LedgerEntry.sale_date >= date(year, 1, 1),
            LedgerEntry.sale_date < date(year + 1, 1, 1),
            LedgerEntry.certificate_no.is_not(None),
        )
        .group_by(month)
    ).all()
    return {m: int(total or 0) for m, total in rows}


def expected_by_now_fen(reserved: int, year: int, today: date) -> int:
    """The reserved amount's share of the year's days gone by `today` (today counts), in whole fen."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    days = (end - start).days
    elapsed = min(max((today - start).days + 1, 0), days)
    return reserved * elapsed // days


def pace(status: str, reserved: int, bought: int, expected: int, year: int, today: date) -> str | None:
    """achieved, on_track, behind, or missed (the year ended short); None when there is no share to
    keep pace with (not filed, exempt)."""
    if status in ("not_filed", "exempt"):
        return None
    if bought >= reserved:
        return "achieved"
    if today >= date(year + 1, 1, 1):
        return "missed"
    return "behind" if bought * BEHIND_BELOW[1] < expected * BEHIND_BELOW[0] else "on_track"


def _standing(status: str, reserved: int, bought: int, year: int, today: date) -> dict[str, Any]:
    """The figures every standing carries beside budget and purchase: gap, completion, pace."""
    expected = expected_by_now_fen(reserved, year, today)
    return {
        "gap_fen": max(reserved - bought, 0),
        "completion_bp": bought * 10_000 // reserved if reserved else None,
        "expected_by_now_fen": expected,
        "pace": pace(status, reserved, bought, expected, year, today),
    }


def _status(filing: AgencyFiling | None, reserved: int, bought: int) -> str:
    if filing is None or filing.status == FilingStatus.RETURNED:
        return "not_filed"
    if filing.exemption:
        return "exempt"
    return "met" if bought >= reserved else "behind"


def unit_quota(
    agency: Agency, filing: AgencyFiling | None, bought: int, year: int, today: date
) -> dict[str, Any]:
    union = agency.kind == AgencyKind.UNION
    filed = filing if filing and filing.status == FilingStatus.FILED else None
    budget = filed.food_budget_fen if filed else 0
    reserved = share_fen(budget, filed.reserved_share_bp) if filed and budget else 0
    canteen_bought = 0 if union else bought
    unit: dict[str, Any] = {
        "agency_id": agency.id,
        "name": agency.name,
        "kind": agency.kind,
        "budget_fen": budget,
        "reserved_share_bp": filed.reserved_share_bp if filed and budget else None,
        "reserved_fen": reserved,
        "purchased_fen": canteen_bought,
        "share_bp": canteen_bought * 10_000 // budget if budget else 0,
        "status": _status(filing, reserved, canteen_bought),
        "exemption": filing.exemption if filing else None,
    }
    unit |= _standing(unit["status"], reserved, canteen_bought, year, today)
    if union:
        gift_budget = filed.gift_budget_fen if filed else 0
        gift_reserved = share_fen(gift_budget, filed.gift_share_bp) if filed and gift_budget else 0
        unit["gift"] = {
            "budget_fen": gift_budget,
            "reserved_fen": gift_reserved,
            "purchased_fen": bought,
            "status": "not_filed" if filing is None else ("met" if bought >= gift_reserved else "behind"),
        }
    return unit


# Filed units by the rank's figure, then those that have not filed, then the exempt ones.
_UNRANKED_LAST = {"not_filed": 1, "exempt": 2}


def ranked(units: list[dict[str, Any]], by: Rank) -> list[dict[str, Any]]:
    """The units, those needing most to be done first: by gap, largest first, or by completion,
    lowest first; each with its place (`rank`, from 1)."""

    def key(unit: dict[str, Any]) -> tuple[int, int, int]:
        figure = -unit["gap_fen"] if by == "gap" else (unit["completion_bp"] or 0)
        return (_UNRANKED_LAST.get(unit["status"], 0), figure, unit["agency_id"])

    return [unit | {"rank": place} for place, unit in enumerate(sorted(units, key=key), start=1)]


def quota(
    actor: User, agency_id: int, year: int, rank: Rank | None = None, today: date | None = None
) -> dict[str, Any]:
    """The agency's quota for the year; for a lead unit, with every unit under it rolled up. Its
    units come the agency first, then those under it, or ranked (`ranked`) when a rank is asked."""
    agency = get_agency(actor, agency_id)
    today = today or china_today()
    ids = subtree_ids(agency)
    agencies = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    filings = filings_of(ids, year)
    bought = purchased_fen(ids, year)
    units = [unit_quota(agencies[i], filings.get(i), bought.get(i, 0), year, today) for i in ids]
    own = units[0]
    budget = sum(u["budget_fen"] for u in units)
    reserved = sum(u["reserved_fen"] for u in units)
    purchased = sum(u["purchased_fen"] for u in units)
    status = (
        own["status"]
        if len(units) == 1
        else ("not_filed" if own["status"] == "not_filed" else "met" if purchased >= reserved else "behind")
    )
    last_month = min(today, date(year, 12, 31)).month if today >= date(year, 1, 1) else 0
    # The months of the canteens' share: a union's purchases count toward its gift funds instead
    # (a union alone: its own months, those of its gift funds).
    canteens = [i for i in ids if agencies[i].kind != AgencyKind.UNION]
    months = purchased_by_month(canteens or ids, year)
    return {
        "agency_id": agency.id,
        "name": agency.name,
        "year": year,
        "as_of": min(today, date(year, 12, 31)),
        "budget_fen": budget,
        "reserved_fen": reserved,
        "purchased_fen": purchased,
        "share_bp": purchased * 10_000 // budget if budget else 0,
        "status": status,
        **_standing(status, reserved, purchased, year, today),
        "by_month": [
            {"month": f"{year}-{m:02d}", "amount_fen": months.get(f"{year}-{m:02d}", 0)}
            for m in range(1, last_month + 1)
        ],
        "gift": own.get("gift"),
        "units": ranked(units, rank) if rank else units,
        "not_filed": [u["agency_id"] for u in units if u["status"] == "not_filed"],
    }


def standings(actor: User, year: int, status: str | None, region: str | None) -> list[dict[str, Any]]:
    """For officers (their regions) and admins: every agency's quota standing, e.g. those behind
    their share or that have not filed."""
    scope = officer_scope(actor, "Quota standings")
    stmt = select(Agency).order_by(Agency.id)
    if scope is not None:
        stmt = stmt.where(scope_condition(scope, Agency.region_code))
    if region:
        stmt = stmt.where(within(Agency.region_code, require_region(region, "region")))
    agencies = list(db.session.scalars(stmt))
    ids = [a.id for a in agencies]
    filings, bought, today = filings_of(ids, year), purchased_fen(ids, year), china_today()
    units = [unit_quota(a, filings.get(a.id), bought.get(a.id, 0), year, today) for a in agencies]
    return [u for u in units if status is None or u["status"] == status]
