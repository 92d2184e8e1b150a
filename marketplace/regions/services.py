"""Region look-ups and the loader for the region tree."""

import csv
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Engine, Select, create_engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from marketplace import sqlite
from marketplace.errors import InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import N_, _
from marketplace.regions.models import Pairing, ReferenceVersion, Region

ANCESTOR_COLUMN = {
    "province": Region.province_code,
    "city": Region.city_code,
    "county": Region.county_code,
    "town": Region.code,
}


REFERENCE_VERSION = select(ReferenceVersion.version).where(ReferenceVersion.id == 1)


def reference_version() -> int | None:
    """The version of regions, pairings and categories, raised by the database whenever they change.

    Read at most once per REFERENCE_VERSION_SECONDS per process (1, the default: a change is seen
    within a second), or for every request for them (0: a change is seen by the next request in every
    process). In one round trip: outside the request's transaction, on a connection of
    this process's own in autocommit (no BEGIN, ROLLBACK or pre-ping), which sees every committed
    change. None if it cannot be read: the view answers, and reports a database fault as it does."""
    interval = current_app.config["REFERENCE_VERSION_SECONDS"]
    kept: tuple[float, int | None] | None = current_app.extensions.get("reference_version")
    if interval and kept is not None and time.monotonic() - kept[0] < interval:
        return kept[1]
    version = _read_version()
    if interval and version is not None:
        current_app.extensions["reference_version"] = (time.monotonic(), version)
    return version


def _read_version() -> int | None:
    engine = _version_engine()
    if engine is None:
        return db.session.scalar(REFERENCE_VERSION)
    try:
        with engine.connect() as conn:
            return conn.execute(REFERENCE_VERSION).scalar()
    except SQLAlchemyError:
        return None


def _version_engine() -> Engine | None:
    """PostgreSQL's or the SQLite file's; None for an in-memory database, which only the app's own
    connection sees."""
    extensions = current_app.extensions
    if "reference_version_engine" not in extensions:
        main, engine = db.engine, None
        if main.dialect.name == "postgresql" or sqlite.is_file_database(main):
            options = current_app.config["SQLALCHEMY_ENGINE_OPTIONS"]
            engine = create_engine(
                main.url,
                isolation_level="AUTOCOMMIT",
                pool_size=1,
                connect_args=options.get("connect_args", {}),
            )
        extensions["reference_version_engine"] = engine
    engine_of_version: Engine | None = extensions["reference_version_engine"]
    return engine_of_version


def get_region(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise NotFound(_("No region with code %(code)s.", code=code))
    return region


def require_region(code: str, field: str) -> Region:
    """The region a request names, or a 422 naming the field."""
    region = db.session.get(Region, code)
    if region is None:
        raise InvalidField(field, _("No region with code %(code)s.", code=code))
    return region


def within(column: Any, ancestor: Region) -> ColumnElement[bool]:
    """A condition: the region code in `column` is `ancestor` or lies under it."""
    inside = select(Region.code).where(ANCESTOR_COLUMN[ancestor.level] == ancestor.code)
    condition: ColumnElement[bool] = column.in_(inside)
    return condition


def name_paths(codes: Iterable[str]) -> dict[str, list[str]]:
    """{code: its region's name and its ancestors', widest first ["山东省", "济南市", "历下区"]},
    in one query for all the codes."""
    named = aliased(Region)
    ancestors = [named.province_code, named.city_code, named.county_code, named.code]
    rows = db.session.execute(
        select(named.code, Region.name)
        .join(Region, Region.code.in_(ancestors))
        .where(named.code.in_(set(codes)))
        # An ancestor's code sorts before its descendants' (500000, 500100, 500236, 500236001).
        .order_by(named.code, Region.code)
    )
    paths: dict[str, list[str]] = defaultdict(list)
    for code, name in rows:
        paths[code].append(name)
    return dict(paths)


def is_within(code: str, ancestor_code: str) -> bool:
    region = db.session.get(Region, code)
    return region is not None and ancestor_code in region.ancestor_codes


def list_regions(parent: str | None, level: str | None, q: str | None) -> Select[Any]:
    stmt = select(Region).order_by(Region.code)
    if parent is not None:
        require_region(parent, "parent")
        stmt = stmt.where(Region.parent_code == parent)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if q:
        stmt = stmt.where(Region.name.contains(q, autoescape=True))
    return stmt


def list_pairings(helper: str | None, assisted: str | None) -> list[Pairing]:
    """Pairings that help `assisted` (directly or through an ancestor), or that `helper` takes part in."""
    stmt = select(Pairing).order_by(Pairing.id)
    if assisted is not None:
        stmt = stmt.where(
            Pairing.assisted_region_code.in_(require_region(assisted, "assisted").ancestor_codes)
        )
    if helper is not None:
        stmt = stmt.where(Pairing.helper_region_code.in_(require_region(helper, "helper").ancestor_codes))
    return list(db.session.scalars(stmt))


def is_assisted(code: str) -> bool:
    """Whether a region is, or lies under, the assisted side of a pairing."""
    region = db.session.get(Region, code)
    if region is None:
        return False
    stmt = select(Pairing.id).where(Pairing.assisted_region_code.in_(region.ancestor_codes)).limit(1)
    return db.session.scalar(stmt) is not None


def load_region_seed(folder: Path) -> dict[str, int]:
    """Load regions.csv, poverty_flags.csv and pairings.csv; idempotent, commits once."""
    regions = {row["code"]: row for row in _read(folder / "regions.csv")}
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    for code, row in regions.items():
        region = existing.get(code) or Region(code=code)
        region.name, region.level = row["name"], row["level"]
        region.parent_code = row["parent_code"] or None
        chain = _chain(code, regions)
        region.province_code = chain[0]
        region.city_code = next((c for c in chain if regions[c]["level"] == "city"), None)
        region.county_code = next((c for c in chain if regions[c]["level"] == "county"), None)
        if code not in existing:
            db.session.add(region)
            existing[code] = region
    db.session.flush()

    flags = _read(folder / "poverty_flags.csv")
    for row in flags:
        region = _named(existing, row["code"], row["name"])
        region.national_key_county = row["national_key_county"] == "1"
        region.deep_poverty = row["deep_poverty"] == "1"
        region.exited_year = int(row["exited_year"]) if row["exited_year"] else None

    pairs = {(p.helper_region_code, p.assisted_region_code): p for p in db.session.scalars(select(Pairing))}
    rows = _read(folder / "pairings.csv")
    for row in rows:
        _named(existing, row["helper_code"], row["helper_name"])
        _named(existing, row["assisted_code"], row["assisted_name"])
        key = (row["helper_code"], row["assisted_code"])
        pairing = pairs.get(key) or Pairing(helper_region_code=key[0], assisted_region_code=key[1])
        pairing.role, pairing.since = row["role"], int(row["since"])
        pairing.source = f"seed {row['seed']}"
        if key not in pairs:
            db.session.add(pairing)
    db.session.commit()
    return {"regions": len(regions), "poverty_flags": len(flags), "pairings": len(rows)}


# What load_region_seed counts, as a person reads it.
SEEDED = {
    "regions": N_("%(count)s regions"),
    "poverty_flags": N_("%(count)s poverty flags"),
    "pairings": N_("%(count)s pairings"),
}


def describe_seed(counts: dict[str, int]) -> str:
    """ "3,200 个地区；……" for load_region_seed's counts."""
    separator: str = _("; ")
    return separator.join(_(SEEDED[what], count=n) for what, n in counts.items())


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _chain(code: str, regions: dict[str, dict[str, str]]) -> list[str]:
    chain = [code]
    while regions[chain[0]]["parent_code"]:
        chain.insert(0, regions[chain[0]]["parent_code"])
    return chain


def _named(regions: dict[str, Region], code: str, name: str) -> Region:
    region = regions.get(code)
    if region is None or region.name != name:
        found = region.name if region else _("nothing")
        raise ValueError(
            _(
                "A seed row names %(code)s %(name)s, but the region data has %(found)s there.",
                code=code,
                name=name,
                found=found,
            )
        )
    return region
