"""Certification rules as data: each province's review stages and public-notice (公示) days, set by
admins and versioned. An application copies the rule in force when it is made and follows it to
the end."""

from typing import Any

from flask import current_app
from sqlalchemy import Select, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import require_admin
from marketplace.audit import services as audit
from marketplace.certification.models import STAGES, CertificationRule
from marketplace.errors import InvalidField
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.regions.models import Region
from marketplace.timeutil import now


def rule_in_force(province_code: str) -> CertificationRule:
    """The province's latest rule; for a province with none, the configured default as an unsaved
    rule (no id)."""
    stmt = (
        select(CertificationRule)
        .where(CertificationRule.province_code == province_code)
        .order_by(CertificationRule.valid_from.desc(), CertificationRule.id.desc())
        .limit(1)
    )
    rule = db.session.scalar(stmt)
    if rule is not None:
        return rule
    configured = current_app.config["CERTIFICATION_STAGES"]
    return CertificationRule(
        province_code=province_code,
        stages=list(configured.get(province_code) or configured["default"]),
        notice_days=current_app.config["CERTIFICATION_NOTICE_DAYS"],
    )


def _require_province(code: str, field: str, location: str = "json") -> Region:
    """The province-level region a request names, or a 422 naming the field."""
    region = db.session.get(Region, code)
    if region is None:
        raise InvalidField(field, _("No region with code %(code)s.", code=code), location=location)
    if region.level != "province":
        raise InvalidField(
            field,
            _(
                "%(code)s %(name)s is not a province; rules are set per province.",
                code=code,
                name=region.name,
            ),
            location=location,
        )
    return region


def _validate_stages(province: Region, stages: list[str]) -> None:
    if [STAGES.index(s) for s in stages] != sorted({STAGES.index(s) for s in stages}):
        raise InvalidField(
            "stages", _("Each stage at most once, from the county up: county, then city, then province.")
        )
    if "city" in stages and not _has_cities(province):
        raise InvalidField(
            "stages",
            _("%(name)s has no city level: its counties are reviewed by the province.", name=province.name),
        )


def _has_cities(province: Region) -> bool:
    city = select(Region.code).where(Region.parent_code == province.code, Region.level == "city")
    return db.session.scalar(city.limit(1)) is not None


def set_rule(actor: User, data: dict[str, Any]) -> CertificationRule:
    """A new rule for the province, in force from now on; applications already made keep theirs."""
    require_admin(actor)
    province = _require_province(data["province_code"], "province_code")
    _validate_stages(province, data["stages"])
    previous = rule_in_force(province.code)
    rule = CertificationRule(
        province_code=province.code,
        stages=list(data["stages"]),
        notice_days=data["notice_days"],
        valid_from=now(),
        created_by_id=actor.id,
    )
    db.session.add(rule)
    db.session.flush()
    audit.record(
        rule,
        "set",
        actor.id,
        reason=data.get("reason"),
        details={
            "province_code": rule.province_code,
            "stages": rule.stages,
            "notice_days": rule.notice_days,
            "replaces_rule_id": previous.id,
        },
    )
    db.session.commit()
    return rule


def list_rules(actor: User, args: dict[str, Any]) -> Select[Any]:
    """Every rule ever set, newest first: the history of each province's rule."""
    require_admin(actor)
    stmt = select(CertificationRule).order_by(CertificationRule.id.desc())
    if province_code := args.get("province_code"):
        stmt = stmt.where(CertificationRule.province_code == province_code)
    return stmt


def get_rule_in_force(actor: User, province_code: str) -> CertificationRule:
    require_admin(actor)
    return rule_in_force(_require_province(province_code, "province_code", location="path").code)
