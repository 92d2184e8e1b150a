"""Agencies: creation, members, annual filings and their review by lead units."""

from typing import Any

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import require_admin
from marketplace.agencies.models import Agency, AgencyFiling, AgencyKind, FilingStatus
from marketplace.audit import services as audit
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound, when_taken
from marketplace.extensions import db
from marketplace.i18n import N_, _
from marketplace.regions.services import require_region
from marketplace.suppliers import uscc as credit_code
from marketplace.timeutil import china_today

USCC_TAKEN = N_("An agency with this credit code exists.")
ALREADY_REGISTERED = N_("Already registered.")
when_taken("uq_agencies_uscc", "uscc", USCC_TAKEN, ALREADY_REGISTERED)


def percent(bp: int) -> str:
    """Basis points as an exact percentage, by integer arithmetic: 3000 -> "30", 1234 -> "12.34"."""
    whole, rest = divmod(bp, 100)
    return f"{whole}.{rest:02d}".rstrip("0") if rest else str(whole)


def create_agency(actor: User, data: dict[str, Any]) -> Agency:
    require_admin(actor)
    code = data["uscc"].upper()
    if why := credit_code.problem(code):
        raise InvalidField("uscc", why)
    if db.session.scalar(select(Agency.id).where(Agency.uscc == code)) is not None:
        raise Conflict(_(USCC_TAKEN), errors={"json": {"uscc": [_(ALREADY_REGISTERED)]}})
    require_region(data["region_code"], "region_code")
    if data.get("parent_id") is not None and db.session.get(Agency, data["parent_id"]) is None:
        raise InvalidField("parent_id", _("No agency %(id)s.", id=data["parent_id"]))
    tiers = data.get("approval_tiers_fen") or [data["approval_threshold_fen"]]
    if tiers != sorted(tiers) or len(set(tiers)) != len(tiers):
        raise InvalidField("approval_tiers_fen", _("Tiers must be distinct and ascending."))
    agency = Agency(
        name=data["name"],
        kind=data["kind"],
        uscc=code,
        region_code=data["region_code"],
        parent_id=data.get("parent_id"),
        approval_tiers_fen=tiers,
    )
    db.session.add(agency)
    db.session.flush()
    audit.record(agency, "create", actor.id)
    if data.get("annual_food_budget_fen") is not None:
        # With a budget, this year's filing is made with the agency, in the same transaction.
        _write_filing(
            actor,
            agency,
            china_today().year,
            {
                "food_budget_fen": data["annual_food_budget_fen"],
                "reserved_share_bp": data.get("reserved_share_bp", 0),
            },
        )
    db.session.commit()
    return agency


def lineage(agency: Agency) -> list[Agency]:
    """The agency and its lead units, nearest first."""
    chain, seen = [agency], {agency.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        # Through the relationship, so that each unit holds its lead unit for the rest of the request.
        parent = chain[-1].parent
        assert parent is not None  # parent_id is a foreign key
        chain.append(parent)
        seen.add(parent.id)
    return chain


def subtree_ids(agency: Agency) -> list[int]:
    """The agency and every unit under it."""
    ids, frontier = [agency.id], [agency.id]
    while frontier:
        frontier = list(db.session.scalars(select(Agency.id).where(Agency.parent_id.in_(frontier))))
        frontier = [i for i in frontier if i not in ids]
        ids += frontier
    return ids


def roles_over(user: User, agency: Agency) -> set[str]:
    """The user's roles at this agency; a lead unit's approvers review (and see) its subordinates."""
    roles = set(agency.role_of(user.id))
    if any("approver" in lead.role_of(user.id) for lead in lineage(agency)[1:]):
        roles.add("lead_approver")
    return roles


def get_agency(actor: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not (actor.is_admin or roles_over(actor, agency)):
        raise NotFound(_("No agency %(id)s.", id=agency_id))
    return agency


def minimum_share_bp(region_code: str) -> int:
    """The reserved-share floor for the agency's province (national default 10%, 财库〔2021〕19号)."""
    region = require_region(region_code, "region_code")
    floors = current_app.config["RESERVED_SHARE_MIN_BP"]
    return int(floors.get(region.province_code, floors["default"]))


def file_filing(actor: User, agency_id: int, year: int, data: dict[str, Any]) -> AgencyFiling:
    """File (or file again) a year's budget and reserved share, or an exemption with its reason."""
    agency = get_agency(actor, agency_id)
    if not (actor.is_admin or agency.role_of(actor.id)):
        raise Forbidden(_("Only the agency's own members file for it."))
    filing = _write_filing(actor, agency, year, data)
    db.session.commit()
    return filing


FIRST_FILING_YEAR = 2018  # the first plans the marketplace tallies (seed 000)


def _write_filing(actor: User, agency: Agency, year: int, data: dict[str, Any]) -> AgencyFiling:
    """Check and write a filing into the caller's transaction."""
    last = china_today().year + 1  # next year's budget is filed before it starts
    if not FIRST_FILING_YEAR <= year <= last:
        raise InvalidField(
            "year",
            _("A filing is for a year from %(first)s to %(last)s.", first=FIRST_FILING_YEAR, last=last),
            location="path",
        )
    exemption = data.get("exemption")
    if exemption is None:
        floor = minimum_share_bp(agency.region_code)
        if data.get("reserved_share_bp", 0) < floor:
            raise InvalidField(
                "reserved_share_bp",
                _(
                    "At least %(percent)s%% in this province.",
                    percent=percent(floor),
                ),
            )
        if not data.get("food_budget_fen"):
            raise InvalidField("food_budget_fen", _("A canteen budget is required unless exempt."))
    elif exemption == "shared_canteen":
        covered = data.get("covered_by_agency_id")
        if covered is None or covered == agency.id or db.session.get(Agency, covered) is None:
            raise InvalidField(
                "covered_by_agency_id", _("Name the agency whose canteen filing covers this one.")
            )
    if agency.kind != AgencyKind.UNION and (data.get("gift_budget_fen") or data.get("gift_share_bp")):
        raise InvalidField("gift_budget_fen", _("Holiday-gift budgets are filed by trade unions."))
    if (
        agency.kind == AgencyKind.UNION
        and data.get("gift_budget_fen")
        and data.get("gift_share_bp", 0) < current_app.config["UNION_GIFT_SHARE_MIN_BP"]
    ):
        raise InvalidField(
            "gift_share_bp",
            _(
                "At least %(percent)s%% of gift funds.",
                percent=percent(current_app.config["UNION_GIFT_SHARE_MIN_BP"]),
            ),
        )
    filing = db.session.scalar(
        select(AgencyFiling).where(AgencyFiling.agency_id == agency.id, AgencyFiling.year == year)
    )
    if filing is None:
        filing = AgencyFiling(agency_id=agency.id, year=year)
        db.session.add(filing)
    filing.food_budget_fen = 0 if exemption else data["food_budget_fen"]
    filing.reserved_share_bp = 0 if exemption else data["reserved_share_bp"]
    filing.exemption, filing.exemption_note = exemption, data.get("exemption_note")
    filing.covered_by_agency_id = data.get("covered_by_agency_id") if exemption == "shared_canteen" else None
    filing.gift_budget_fen, filing.gift_share_bp = (
        data.get("gift_budget_fen", 0),
        data.get("gift_share_bp", 0),
    )
    filing.status, filing.return_reason, filing.filed_by_id = FilingStatus.FILED, None, actor.id
    db.session.flush()
    audit.record(filing, "file", actor.id, to_status=FilingStatus.FILED, details={"year": year})
    return filing


def get_filing(actor: User, agency_id: int, year: int) -> AgencyFiling:
    """The agency's own members, approvers of the lead units above it, and admins read a filing."""
    agency = get_agency(actor, agency_id)
    filing = db.session.scalar(
        select(AgencyFiling).where(AgencyFiling.agency_id == agency.id, AgencyFiling.year == year)
    )
    if filing is None:
        raise NotFound(_("%(agency)s has not filed for %(year)s.", agency=agency.name, year=year))
    return filing


def return_filing(actor: User, agency_id: int, year: int, reason: str) -> AgencyFiling:
    """A lead unit's approver sends a subordinate's filing back to be corrected."""
    agency = get_agency(actor, agency_id)
    if not (actor.is_admin or "lead_approver" in roles_over(actor, agency)):
        raise Forbidden(_("Only an approver of a lead unit above this agency may send its filing back."))
    filing = db.session.scalar(
        select(AgencyFiling).where(AgencyFiling.agency_id == agency.id, AgencyFiling.year == year)
    )
    if filing is None or filing.status != FilingStatus.FILED:
        raise Conflict(_("No filed %(year)s filing to send back.", year=year))
    filing.status, filing.return_reason = FilingStatus.RETURNED, reason
    audit.record(
        filing,
        "return",
        actor.id,
        from_status=FilingStatus.FILED,
        to_status=FilingStatus.RETURNED,
        reason=reason,
    )
    db.session.commit()
    return filing


def filings_of(agency_ids: list[int], year: int) -> dict[int, AgencyFiling]:
    rows = db.session.scalars(
        select(AgencyFiling).where(AgencyFiling.agency_id.in_(agency_ids), AgencyFiling.year == year)
    )
    return {f.agency_id: f for f in rows}
