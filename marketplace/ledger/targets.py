"""Targets and their progress: achieved, expected by now, forecast to the period's end, status, by
month and year to date; every figure a sum over the ledger (its monthly rollup where that holds the
target's slice). A target is money ("¥30,000,000") or net weight of a category ("10,000 tonnes of
navel oranges"). Pace is seasonal, from the same slice's monthly shape a year earlier, when there
were sales then and the ledger covers that whole year; otherwise linear over the days of the period.
Days are China days."""

import calendar
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, true

from marketplace.accounts.models import User
from marketplace.accounts.permissions import in_scope, officer_scope, require_admin, scope_condition
from marketplace.audit import services as audit
from marketplace.catalog.models import Category
from marketplace.errors import InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.ledger.models import LedgerEntry, LedgerMonthly, Target
from marketplace.ledger.tallies import Slice, month_of
from marketplace.regions.models import Region
from marketplace.regions.services import require_region
from marketplace.timeutil import china_today

BEHIND_BELOW = (9, 10)  # nine tenths of the expected amount, compared in whole fen
UNIT = {"amount": "fen", "weight": "g"}


def _validate(data: dict[str, Any]) -> None:
    if data["period_end"] <= data["period_start"]:
        raise InvalidField("period_end", _("Must be after period_start (periods are [start, end))."))
    if (data.get("amount_fen") is None) == (data.get("weight_g") is None):
        raise InvalidField(
            "amount_fen", _("Give amount_fen (a money target) or weight_g (a weight target), not both.")
        )
    if data.get("weight_g") is not None and not data.get("category_code"):
        raise InvalidField("category_code", _("A weight target is for a category, e.g. fruit.citrus."))
    if data.get("category_code") and db.session.get(Category, data["category_code"]) is None:
        raise InvalidField("category_code", _("No category %(code)s.", code=data["category_code"]))
    for field in ("buyer_region_code", "origin_region_code"):
        if data.get(field):
            require_region(data[field], field)


def create_target(actor: User, data: dict[str, Any]) -> Target:
    require_admin(actor)
    _validate(data)
    target = Target(**data)
    db.session.add(target)
    db.session.flush()
    audit.record(target, "create", actor.id, details=_audited(data))
    db.session.commit()
    return target


def update_target(actor: User, target_id: int, data: dict[str, Any]) -> Target:
    require_admin(actor)
    target = get_target(actor, target_id)
    fields = ("name", "period_start", "period_end", "amount_fen", "weight_g", "category_code")
    merged = {f: getattr(target, f) for f in (*fields, "buyer_region_code", "origin_region_code")} | data
    if "amount_fen" in data and data["amount_fen"] is not None and "weight_g" not in data:
        merged["weight_g"] = None  # switching a weight target to money
    if "weight_g" in data and data["weight_g"] is not None and "amount_fen" not in data:
        merged["amount_fen"] = None
    _validate(merged)
    for field, value in merged.items():
        setattr(target, field, value)
    target.version = Target.version + 1  # in the UPDATE itself: two changes at once raise it twice
    audit.record(target, "update", actor.id, details=_audited(data))
    db.session.commit()
    return target


def delete_target(actor: User, target_id: int) -> None:
    require_admin(actor)
    target = get_target(actor, target_id)
    audit.record(target, "delete", actor.id, details={"name": target.name})
    db.session.delete(target)
    db.session.commit()


def _audited(data: dict[str, Any]) -> dict[str, Any]:
    """The fields as given, dates as ISO strings, for the audit trail."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def list_targets(actor: User, ids: Sequence[int] | None = None) -> Select[Any]:
    """Every target for admins; an officer's are those whose origin or buyer lies within their
    regions (a target of the whole country is no region's); only those of `ids` if given."""
    scope = officer_scope(actor, "Targets")
    stmt = select(Target).order_by(Target.period_start.desc(), Target.id)
    if scope is not None:
        stmt = stmt.where(scope_condition(scope, Target.origin_region_code, Target.buyer_region_code))
    if ids:
        stmt = stmt.where(Target.id.in_(ids))
    return stmt


# Entries commit in id order only roughly (two payments in flight): counting the latest ids too
# sees one that commits after a higher one.
RECENT_ENTRIES = 1000


def progress_version(actor: User, ids: Sequence[int] | None, today: date, asked: str) -> tuple[str, int]:
    """A tag that changes whenever the progress of the caller's targets could (a new ledger entry, a
    target created, changed or deleted, a new day, another scope or question: `asked`, the query),
    and how many targets the caller has. One small query, so that a dashboard polling an unchanged
    answer costs little. The targets' part is their own: a new one raises the latest id, a deleted
    one lowers the count, a changed one its version (the sum of the caller's versions)."""
    scope = officer_scope(actor, "Targets")
    latest = select(func.max(LedgerEntry.id)).scalar_subquery()
    listed = list_targets(actor, ids).order_by(None).subquery()
    row = db.session.execute(
        select(
            select(func.count()).select_from(listed).scalar_subquery(),
            select(func.coalesce(func.sum(listed.c.version), 0)).scalar_subquery(),
            latest,
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.id > latest - RECENT_ENTRIES)
            .scalar_subquery(),
            select(func.max(Target.id)).scalar_subquery(),
        )
    ).one()
    regions = "*" if scope is None else ",".join(sorted(r.code for r in scope))
    key = f"{actor.id}|{regions}|{today.isoformat()}|{tuple(row)}|{asked}"
    return hashlib.sha256(key.encode()).hexdigest()[:32], row[0]


def get_target(actor: User, target_id: int) -> Target:
    scope = officer_scope(actor, "Targets")
    target = db.session.get(Target, target_id)
    if target is None or not in_scope(scope, target.origin_region_code, target.buyer_region_code):
        raise NotFound(_("No target %(id)s.", id=target_id))
    return target


def slice_of(target: Target, start: date | None = None, end: date | None = None) -> Slice:
    return Slice(
        start=start or target.period_start,
        end=end or target.period_end,
        buyer=db.session.get(Region, target.buyer_region_code) if target.buyer_region_code else None,
        origin=db.session.get(Region, target.origin_region_code) if target.origin_region_code else None,
        channels=tuple(target.channels or ()),
        mechanism=target.mechanism,
        category=target.category_code,
        certified_only=target.certified_only,
    )


def monthly(part: Slice) -> dict[str, tuple[int, int]]:
    """(amount_fen, weight_g) per month of the slice: the whole months from the monthly rollup, a
    period's part-months at either end (and any slice the rollup cannot hold) from the entries."""
    return monthly_many([part])[0]


def _pieces(part: Slice) -> list[tuple[Slice, Any]]:
    """The slice as the parts each source answers: its whole months the rollup, the rest entries."""
    assert part.start is not None and part.end is not None, "a target's slice is its period"
    if part.covered_by_rollup():
        first = part.start if part.start.day == 1 else _next_month(part.start)
        last = part.end.replace(day=1)
        if first < last:
            return [
                (replace(part, start=first, end=last), LedgerMonthly),
                (replace(part, end=first), LedgerEntry),
                (replace(part, start=last), LedgerEntry),
            ]
    return [(part, LedgerEntry)]


PIECES_PER_QUERY = 50  # keeps a query's columns and its OR well inside SQLite's limits


def monthly_many(parts: list[Slice]) -> list[dict[str, tuple[int, int]]]:
    """`monthly` of many slices at once: one query per source (rollup, entries) and at most
    PIECES_PER_QUERY pieces, each piece's sums in columns of its own (a query per slice was the N+1
    the dashboard made)."""
    totals: list[dict[str, tuple[int, int]]] = [{} for _ in parts]
    by_source: dict[Any, list[tuple[int, Slice]]] = {LedgerMonthly: [], LedgerEntry: []}
    for n, part in enumerate(parts):
        for piece, source in _pieces(part):
            assert piece.start is not None and piece.end is not None, "a target's slice is its period"
            if piece.start < piece.end:
                by_source[source].append((n, piece))
    for source, pieces in by_source.items():
        for at in range(0, len(pieces), PIECES_PER_QUERY):
            chunk = pieces[at : at + PIECES_PER_QUERY]
            matches = [and_(true(), *piece.conditions(source)) for _, piece in chunk]
            columns: list[ColumnElement[Any]] = []
            for match in matches:
                # NULL where no row of the piece is in the month: such a month is not the piece's.
                columns += [
                    func.sum(case((match, source.amount_fen))),
                    func.sum(case((match, source.weight_g))),
                ]
            month = month_of(source)
            stmt = select(month, *columns).where(or_(*matches)).group_by(month)
            for row in db.session.execute(stmt):
                m, sums = row[0], row[1:]
                for (n, _piece), a, w in zip(chunk, sums[::2], sums[1::2], strict=True):
                    if a is None:
                        continue
                    before = totals[n].get(m, (0, 0))
                    totals[n][m] = (before[0] + int(a), before[1] + int(w or 0))
    return [dict(sorted(t.items())) for t in totals]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _year_earlier(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _accrued_through(months: dict[str, int], day: date) -> int:
    """How much of a monthly shape had accrued by the end of `day`: the months before it, and its
    own month pro rata by day."""
    key = day.strftime("%Y-%m")
    days = calendar.monthrange(day.year, day.month)[1]
    return sum(v for m, v in months.items() if m < key) + months.get(key, 0) * day.day // days


def progress_of(target: Target, today: date) -> dict[str, Any]:
    return progress_many([target], today)[0]


def progress_many(many: Sequence[Target], today: date) -> list[dict[str, Any]]:
    """The progress of each target, its months and its year-earlier months read together (a few
    queries whatever the number of targets)."""
    # The same slice a year earlier: its monthly shape sets the seasonal pace. Only a whole year
    # earlier gives a shape: the ledger must go back to before it began.
    ledger_since = db.session.scalar(select(func.min(LedgerEntry.sale_date)))
    earlier = [slice_of(t, _year_earlier(t.period_start), _year_earlier(t.period_end)) for t in many]
    covered = [ledger_since is not None and ledger_since <= _year_earlier(t.period_start) for t in many]
    read = monthly_many([slice_of(t) for t in many] + [p for p, c in zip(earlier, covered, strict=True) if c])
    months, befores = read[: len(many)], iter(read[len(many) :])
    since = ledger_since.isoformat() if ledger_since else None
    return [
        _progress(target, today, these, next(befores) if c else {}) | {"ledger_since": since}
        for target, these, c in zip(many, months, covered, strict=True)
    ]


def _progress(
    target: Target, today: date, months: dict[str, tuple[int, int]], months_before: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    measure = target.measure
    index = 0 if measure == "amount" else 1
    goal = target.amount_fen if measure == "amount" else target.weight_g
    assert goal is not None, "a target sets the goal of its measure (a CHECK)"
    achieved = sum(v[index] for v in months.values())
    days = (target.period_end - target.period_start).days
    elapsed = min(max((today - target.period_start).days + 1, 0), days)  # today counts
    linear = goal * elapsed // days
    before = {m: v[index] for m, v in months_before.items()}
    before_total = sum(before.values())
    seasonal = before_total > 0 and all(v >= 0 for v in before.values())
    if seasonal:
        if today < target.period_start:
            before_by_now = 0
        elif today >= target.period_end:
            before_by_now = before_total
        else:
            before_by_now = _accrued_through(before, _year_earlier(today))
        expected = min(goal, goal * before_by_now // before_total)
        forecast = achieved * before_total // before_by_now if before_by_now else 0
    else:
        expected = linear
        forecast = achieved * days // elapsed if elapsed else 0
    if achieved >= goal:
        status = "achieved"
    elif today >= target.period_end:
        status = "missed"  # ended short: no longer behind a pace it can catch up with
    elif achieved * BEHIND_BELOW[1] < expected * BEHIND_BELOW[0]:
        status = "behind"
    else:
        status = "on_track"
    unit = UNIT[measure]
    this_year = str(today.year)
    result: dict[str, Any] = {
        "target_id": target.id,
        "name": target.name,
        "measure": measure,
        "certified_only": target.certified_only,
        "pace": "seasonal" if seasonal else "linear",
        "achieved_fen": sum(v[0] for v in months.values()),
        "achieved_g": sum(v[1] for v in months.values()),
        "ratio": round(achieved / goal, 4),
        "status": status,
        "as_of": today.isoformat(),
        "by_month": [{"month": m, "amount_fen": a, "weight_g": w} for m, (a, w) in months.items()],
        "year_to_date": {
            "amount_fen": sum(
                a for m, (a, _) in months.items() if m.startswith(this_year) and m <= str(today)[:7]
            ),
            "weight_g": sum(
                w for m, (_, w) in months.items() if m.startswith(this_year) and m <= str(today)[:7]
            ),
        },
    }
    for other in UNIT.values():
        result[f"target_{other}"] = goal if other == unit else None
        result[f"expected_by_now_{other}"] = expected if other == unit else None
        result[f"expected_linear_{other}"] = linear if other == unit else None
        result[f"forecast_{other}"] = forecast if other == unit else None
    return result


def progress(actor: User, target_id: int, today: date | None = None) -> dict[str, Any]:
    return progress_of(get_target(actor, target_id), today or china_today())
