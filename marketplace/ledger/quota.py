"""Reserved-share quotas: how much of its canteen budget (a union: of its gift funds) an agency has
spent on certified products from assisted areas in a year, summed over the ledger: only paid
purchase orders are entered, and of them only lines whose product was certified on the day the
money was received count, at the value received."""

from datetime import date
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import officer_scope, scope_condition
from marketplace.agencies.models import Agency, AgencyFiling, AgencyKind, FilingStatus
from marketplace.agencies.services import filings_of, get_agency, subtree_ids
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.regions.services import require_region, within


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
    return {agency_id: int(total or 0) for agency_id, total in rows}


def _status(filing: AgencyFiling | None, reserved: int, bought: int) -> str:
    if filing is None or filing.status == FilingStatus.RETURNED:
        return "not_filed"
    if filing.exemption:
        return "exempt"
    return "met" if bought >= reserved else "behind"


def unit_quota(agency: Agency, filing: AgencyFiling | None, bought: int) -> dict[str, Any]:
    union = agency.kind == AgencyKind.UNION
    budget = filing.food_budget_fen if filing and filing.status == FilingStatus.FILED else 0
    reserved = share_fen(budget, filing.reserved_share_bp) if budget else 0
    canteen_bought = 0 if union else bought
    unit = {
        "agency_id": agency.id,
        "name": agency.name,
        "kind": agency.kind,
        "budget_fen": budget,
        "reserved_fen": reserved,
        "purchased_fen": canteen_bought,
        "share_bp": canteen_bought * 10_000 // budget if budget else 0,
        "status": _status(filing, reserved, canteen_bought),
        "exemption": filing.exemption if filing else None,
    }
    if union:
        gift_budget = filing.gift_budget_fen if filing and filing.status == FilingStatus.FILED else 0
        gift_reserved = share_fen(gift_budget, filing.gift_share_bp) if gift_budget else 0
        unit["gift"] = {
            "budget_fen": gift_budget,
            "reserved_fen": gift_reserved,
            "purchased_fen": bought,
            "status": "not_filed" if filing is None else ("met" if bought >= gift_reserved else "behind"),
        }
    return unit


def quota(actor: User, agency_id: int, year: int) -> dict[str, Any]:
    """The agency's quota for the year; for a lead unit, with every unit under it rolled up."""
    agency = get_agency(actor, agency_id)
    ids = subtree_ids(agency)
    agencies = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    filings = filings_of(ids, year)
    bought = purchased_fen(ids, year)
    units = [unit_quota(agencies[i], filings.get(i), bought.get(i, 0)) for i in ids]
    own = units[0]
    budget = sum(u["budget_fen"] for u in units)
    reserved = sum(u["reserved_fen"] for u in units)
    purchased = sum(u["purchased_fen"] for u in units)
    status = (
        own["status"]
        if len(units) == 1
        else ("not_filed" if own["status"] == "not_filed" else "met" if purchased >= reserved else "behind")
    )
    return {
        "agency_id": agency.id,
        "year": year,
        "budget_fen": budget,
        "reserved_fen": reserved,
        "purchased_fen": purchased,
        "share_bp": purchased * 10_000 // budget if budget else 0,
        "status": status,
        "gift": own.get("gift"),
        "units": units,
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
    filings, bought = filings_of(ids, year), purchased_fen(ids, year)
    units = [unit_quota(a, filings.get(a.id), bought.get(a.id, 0)) for a in agencies]
    return [u for u in units if status is None or u["status"] == status]
