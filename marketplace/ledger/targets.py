"""Targets and their progress: achieved, expected by now (linear pace), forecast to the period's
end, status, and the amount by month; every figure a sum over the ledger."""

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import require_admin
from marketplace.errors import Forbidden, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry, Target
from marketplace.regions.models import Region
from marketplace.regions.services import require_region
from marketplace.timeutil import china_today

BEHIND_BELOW = 0.9  # of the expected amount


def create_target(actor: User, data: dict[str, Any]) -> Target:
    require_admin(actor)
    if data["period_end"] <= data["period_start"]:
        raise InvalidField("period_end", "Must be after period_start (periods are [start, end)).")
    for field in ("buyer_region_code", "origin_region_code"):
        if data.get(field):
            require_region(data[field], field)
    target = Target(**data)
    db.session.add(target)
    db.session.commit()
    return target


def _require_viewer(actor: User) -> None:
    if not actor.is_admin and not actor.officer_region_codes:
        raise Forbidden("Targets are for officers and admins.")


def list_targets(actor: User) -> Select[tuple[Target]]:
    _require_viewer(actor)
    return select(Target).order_by(Target.period_start.desc(), Target.id)


def _within(column_prefix: str, region: Region):
    if region.level == "province":
        return getattr(LedgerEntry, f"{column_prefix}_province_code") == region.code
    if region.level == "city":
        return getattr(LedgerEntry, f"{column_prefix}_city_code") == region.code
    column = LedgerEntry.origin_county_code if column_prefix == "origin" else LedgerEntry.buyer_region_code
    return column == region.code


def slice_of(target: Target) -> list:
    conditions = [LedgerEntry.sale_date >= target.period_start, LedgerEntry.sale_date < target.period_end]
    if target.buyer_region_code:
        conditions.append(_within("buyer", db.session.get(Region, target.buyer_region_code)))
    if target.origin_region_code:
        conditions.append(_within("origin", db.session.get(Region, target.origin_region_code)))
    if target.channels:
        conditions.append(LedgerEntry.channel.in_(target.channels))
    if target.mechanism:
        conditions.append(LedgerEntry.mechanism == target.mechanism)
    if target.certified_only:
        conditions.append(LedgerEntry.certificate_no.is_not(None))
    return conditions


def progress(actor: User, target_id: int, today: date | None = None) -> dict[str, Any]:
    _require_viewer(actor)
    target = db.session.get(Target, target_id)
    if target is None:
        raise NotFound(f"No target {target_id}.")
    today = today or china_today()
    month = func.substr(func.cast(LedgerEntry.sale_date, db.String), 1, 7)
    rows = db.session.execute(
        select(month.label("month"), func.sum(LedgerEntry.amount_fen))
        .where(*slice_of(target))
        .group_by(month)
        .order_by(month)
    ).all()
    by_month = [{"month": m, "amount_fen": int(a)} for m, a in rows]
    achieved = sum(m["amount_fen"] for m in by_month)
    days = (target.period_end - target.period_start).days
    elapsed = min(max((today - target.period_start).days + 1, 0), days)  # today counts
    expected = target.amount_fen * elapsed // days
    forecast = achieved * days // elapsed if elapsed else 0
    if achieved >= target.amount_fen:
        status = "achieved"
    elif achieved < expected * BEHIND_BELOW:
        status = "behind"
    else:
        status = "on_track"
    return {
        "target_id": target.id,
        "name": target.name,
        "target_fen": target.amount_fen,
        "achieved_fen": achieved,
        "ratio": round(achieved / target.amount_fen, 4),
        "expected_by_now_fen": expected,
        "forecast_fen": forecast,
        "status": status,
        "as_of": today.isoformat(),
        "by_month": by_month,
    }
