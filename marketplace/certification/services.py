"""The certification workflow: apply → review at each stage → public notice → certified → expired,
with rejection, revocation and renewal; every step audited."""

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, or_, select

from marketplace import cache
from marketplace.accounts.models import User
from marketplace.accounts.permissions import officiates
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Product
from marketplace.certification.events import certification_moved
from marketplace.certification.models import (
    LEVEL_NAMES,
    OPEN_STATUSES,
    STATUS_NAMES,
    Certification,
    CertificationApproval,
    CertificationStatus,
)
from marketplace.certification.rules import rule_in_force
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound, when_taken
from marketplace.extensions import db
from marketplace.i18n import N_, _, name_of
from marketplace.regions.services import get_region, is_within, require_region, within
from marketplace.suppliers.models import STATUS_NAMES as SUPPLIER_STATUS_NAMES
from marketplace.suppliers.models import SupplierMember
from marketplace.suppliers.services import require_impartial
from marketplace.timeutil import china_today, now

UNDER_WAY = N_("This product has an application under way already.")
when_taken("uq_certifications_open_per_product", "product_id", UNDER_WAY, N_("An application is under way."))
ONE_STAGE_ONLY = N_("One person approves one stage only; another officer must review this one.")
# Two approvals at once, each past the checks below: the database keeps one of them.
when_taken(
    "uq_certification_approvals_certification_id_approver_id",
    "decision",
    ONE_STAGE_ONLY,
    N_("You have approved a stage of this application already."),
)
when_taken(
    "uq_certification_approvals_certification_id_stage",
    "decision",
    N_("This stage has been approved already."),
    N_("Approved already."),
)

EXPIRY_WARNING_DAYS = 30


def apply_for_certification(actor: User, product_id: int, commitment: dict[str, Any]) -> Certification:
    """A supplier member applies, signing the quality, price and truthfulness commitment."""
    product = db.session.get(Product, product_id)
    if product is None or actor.id not in product.supplier.member_user_ids:
        raise NotFound(_("No product %(id)s of yours.", id=product_id))
    certification = _open_application(actor, product, commitment, renewal_of=None)
    db.session.commit()
    return certification


def renew_certification(actor: User, certification_id: int, commitment: dict[str, Any]) -> Certification:
    """Apply again for a product whose certificate is in force or has expired."""
    old = get_certification(actor, certification_id)
    if actor.id not in old.product.supplier.member_user_ids:
        raise Forbidden(_("Only the supplier's members may renew its certificates."))
    if old.status not in (CertificationStatus.CERTIFIED, CertificationStatus.EXPIRED):
        raise Conflict(
            _(
                "A %(status)s certification cannot be renewed; apply anew instead.",
                status=name_of(STATUS_NAMES, old.status),
            )
        )
    certification = _open_application(actor, old.product, commitment, renewal_of=old)
    db.session.commit()
    return certification


def _open_application(
    actor: User, product: Product, commitment: dict[str, Any], renewal_of: Certification | None
) -> Certification:
    if not product.supplier.is_selling:
        raise Conflict(
            _(
                "The supplier is %(status)s; only a verified supplier may apply.",
                status=name_of(SUPPLIER_STATUS_NAMES, product.supplier.status),
            )
        )
    unsigned = [k for k in ("quality", "price", "truthfulness") if commitment.get(k) is not True]
    if unsigned:
        raise InvalidField(
            "commitment",
            _("Every commitment must be accepted: %(unsigned)s.", unsigned=", ".join(unsigned)),
        )
    under_way = select(Certification.id).where(
        Certification.product_id == product.id, Certification.status.in_(OPEN_STATUSES)
    )
    if db.session.scalar(under_way) is not None:
        raise Conflict(_(UNDER_WAY))
    rule = rule_in_force(product.origin.province_code)
    certification = Certification(
        product_id=product.id,
        supplier_id=product.supplier_id,
        origin_region_code=product.origin_region_code,
        rule_id=rule.id,
        stages=list(rule.stages),
        notice_days=rule.notice_days,
        commitment={**commitment, "signed_by_user_id": actor.id, "signed_at": now().isoformat()},
        renewal_of_id=renewal_of.id if renewal_of else None,
    )
    db.session.add(certification)
    db.session.flush()  # applied for at the same time by another: a 409 (when_taken above)
    audit.record(
        certification, "renew" if renewal_of else "apply", actor.id, to_status=CertificationStatus.APPLIED
    )
    return certification


def review_certification(
    actor: User, certification_id: int, decision: str, comment: str | None
) -> Certification:
    """The officer of the current stage approves (onwards; after the last stage, public notice) or
    rejects. During the notice an officer may still reject on an objection."""
    certification = get_certification(actor, certification_id)
    # Who may review comes before whether it awaits review: to anyone else, that is no business.
    _require_reviewer(actor, certification, *certification.stages)
    require_impartial(actor, certification.product.supplier)
    if certification.status == CertificationStatus.IN_NOTICE and decision == "reject":
        _require_reviewer(actor, certification, certification.stages[-1])
        _reject(actor, certification, comment, action="reject_in_notice")
        db.session.commit()
        return certification
    if certification.status != CertificationStatus.APPLIED:
        raise Conflict(
            _(
                "A %(status)s certification is not awaiting review.",
                status=name_of(STATUS_NAMES, certification.status),
            )
        )
    stage = certification.current_stage
    assert stage is not None, "an application under review is at a stage"
    _require_reviewer(actor, certification, stage)
    approved_before = select(CertificationApproval.id).where(
        CertificationApproval.certification_id == certification.id,
        CertificationApproval.approver_id == actor.id,
    )
    if db.session.scalar(approved_before) is not None:
        raise Forbidden(_(ONE_STAGE_ONLY))
    if decision == "reject":
        _reject(actor, certification, comment, action="reject")
        db.session.commit()
        return certification
    db.session.add(
        CertificationApproval(
            certification_id=certification.id, stage=stage, approver_id=actor.id, comment=comment
        )
    )
    db.session.flush()  # approved at the same time by another request: a 409 (when_taken above)
    details: dict[str, str | None] = {"stage": stage}
    if certification.stage_index + 1 < len(certification.stages):
        certification.stage_index += 1
        audit.record(
            certification,
            "approve",
            actor.id,
            from_status=CertificationStatus.APPLIED,
            to_status=CertificationStatus.APPLIED,
            reason=comment,
            details=details,
        )
    else:
        _start_notice(certification)
        details["certificate_no"] = certification.certificate_no
        _move(
            certification, CertificationStatus.IN_NOTICE, actor.id, "approve", reason=comment, details=details
        )
    db.session.commit()
    return certification


def _require_reviewer(actor: User, certification: Certification, *stages: str) -> None:
    """A stage's reviewer is an officer of the origin's region at that level (or an admin); given
    several stages, the reviewer of any of them."""
    origin = get_region(certification.origin_region_code)
    levels = {"province": origin.province_code, "city": origin.city_code, "county": origin.county_code}
    regions = [levels[stage] for stage in stages]
    if actor.is_admin or set(regions) & set(actor.officer_region_codes):
        return
    if len(stages) == 1:
        raise Forbidden(
            _(
                "This stage is reviewed by an officer of %(region)s (%(level)s).",
                region=regions[0],
                level=name_of(LEVEL_NAMES, stages[0]),
            )
        )
    raise Forbidden(
        _(
            "Certifications from %(origin)s are reviewed by officers of %(regions)s.",
            origin=origin.code,
            regions=_(", ").join(regions),
        )
    )


def _reject(actor: User, certification: Certification, comment: str | None, action: str) -> None:
    if not comment:
        raise InvalidField("comment", _("A rejection needs a comment saying why."))
    _move(certification, CertificationStatus.REJECTED, actor.id, action, reason=comment)
    certification.reason, certification.certificate_no = comment, None


# The moves a certification's status makes; _move, its one writer, refuses any other.
MOVES: dict[str, set[CertificationStatus]] = {
    CertificationStatus.APPLIED: {CertificationStatus.IN_NOTICE, CertificationStatus.REJECTED},
    CertificationStatus.IN_NOTICE: {
        CertificationStatus.CERTIFIED,
        CertificationStatus.REJECTED,
        CertificationStatus.REVOKED,
    },
    CertificationStatus.CERTIFIED: {CertificationStatus.REVOKED, CertificationStatus.EXPIRED},
}


def _move(
    certification: Certification,
    to: CertificationStatus,
    actor_id: int | None,
    action: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the certification to `to` (409 if that is no move from where it is), with its audit event."""
    from_status = certification.status
    if to not in MOVES.get(from_status, ()):
        raise Conflict(
            _(
                "Cannot go from %(from_status)s to %(to_status)s.",
                from_status=name_of(STATUS_NAMES, from_status),
                to_status=name_of(STATUS_NAMES, to),
            )
        )
    certification.status = to
    audit.record(
        certification, action, actor_id, from_status=from_status, to_status=to, reason=reason, details=details
    )
    certification_moved.send(certification, from_status=from_status, to_status=to, reason=reason)


def _start_notice(certification: Certification) -> None:
    """Final approval: the certificate number is published in the notice; it is valid once the notice ends."""
    today = china_today()
    certification.notice_ends_on = today + timedelta(days=certification.notice_days)
    certification.valid_from = certification.notice_ends_on
    validity = timedelta(days=current_app.config["CERTIFICATION_VALID_DAYS"])
    certification.valid_until = certification.valid_from + validity
    certification.certificate_no = _next_certificate_no(certification, today.year)


def _next_certificate_no(certification: Certification, year: int) -> str:
    """BF-<origin county code>-<year of approval>-<certification id, 6 digits>, e.g. BF-500236-2026-000017:
    unique by construction, so concurrent approvals cannot collide."""
    county = get_region(certification.origin_region_code).county_code or certification.origin_region_code
    return f"BF-{county}-{year}-{certification.id:06d}"


def revoke_certification(actor: User, certification_id: int, reason: str) -> Certification:
    """Revoke for a quality failure, a complaint, or a price far above the market's."""
    certification = get_certification(actor, certification_id)
    if not officiates(actor, certification.origin_region_code):
        raise Forbidden(_("Only an officer of the product's region or an admin may revoke its certificate."))
    require_impartial(actor, certification.product.supplier)
    if certification.status not in (CertificationStatus.IN_NOTICE, CertificationStatus.CERTIFIED):
        raise Conflict(
            _(
                "A %(status)s certification cannot be revoked.",
                status=name_of(STATUS_NAMES, certification.status),
            )
        )
    _move(certification, CertificationStatus.REVOKED, actor.id, "revoke", reason=reason)
    certification.reason, certification.revoked_at = reason, now()
    _sync_product(certification.product, china_today())
    db.session.commit()
    cache.invalidate("catalog")
    return certification


def advance_certifications(today: date | None = None) -> dict[str, int]:
    """Daily: notices that ended become certificates, lapsed certificates expire. Idempotent."""
    today = today or china_today()
    counts = {"certified": 0, "expired": 0}
    touched: set[int] = set()
    ended = select(Certification).where(
        Certification.status == CertificationStatus.IN_NOTICE, Certification.notice_ends_on <= today
    )
    for certification in db.session.scalars(ended):
        details = {"certificate_no": certification.certificate_no}
        _move(certification, CertificationStatus.CERTIFIED, None, "certify", details=details)
        counts["certified"] += 1
        touched.add(certification.product_id)
    lapsed = select(Certification).where(
        Certification.status == CertificationStatus.CERTIFIED, Certification.valid_until <= today
    )
    for certification in db.session.scalars(lapsed):
        _move(certification, CertificationStatus.EXPIRED, None, "expire")
        counts["expired"] += 1
        touched.add(certification.product_id)
    for product_id in touched:
        _sync_product(db.session.get_one(Product, product_id), today)
    db.session.commit()
    if touched:
        cache.invalidate("catalog")
    return counts


def expiring_by(horizon: date) -> ColumnElement[bool]:
    """Certificates in force that end by `horizon` and whose renewal is not certified yet."""
    renewed = select(Certification.renewal_of_id).where(
        Certification.status == CertificationStatus.CERTIFIED, Certification.renewal_of_id.is_not(None)
    )
    return and_(
        Certification.status == CertificationStatus.CERTIFIED,
        Certification.valid_until <= horizon,
        Certification.id.not_in(renewed),
    )


def _sync_product(product: Product, today: date) -> None:
    """Keep the product's certificate in force (number and end date) in step with its certifications."""
    db.session.flush()
    in_force = db.session.scalars(
        select(Certification)
        .where(
            Certification.product_id == product.id,
            Certification.status == CertificationStatus.CERTIFIED,
            Certification.valid_from <= today,
            Certification.valid_until > today,
        )
        .order_by(Certification.valid_until.desc())
    ).first()
    product.certificate_no = in_force.certificate_no if in_force else None
    product.certified_until = in_force.valid_until if in_force else None


def can_manage(actor: User | None, certification: Certification) -> bool:
    return actor is not None and (
        actor.id in certification.product.supplier.member_user_ids
        or officiates(actor, certification.origin_region_code)
    )


def get_certification(actor: User | None, certification_id: int) -> Certification:
    """Notices and certificates are public (公示); applications are for their supplier and officers."""
    certification = db.session.get(Certification, certification_id)
    public = certification is not None and certification.status in (
        CertificationStatus.IN_NOTICE,
        CertificationStatus.CERTIFIED,
    )
    if certification is None or not (public or can_manage(actor, certification)):
        raise NotFound(_("No certification %(id)s.", id=certification_id))
    return certification


def certification_history(actor: User, certification_id: int) -> list[AuditEvent]:
    certification = get_certification(actor, certification_id)
    if not can_manage(actor, certification):
        raise Forbidden(_("Only the supplier, its officers and admins may read the review history."))
    return audit.history("certifications", certification.id)


def list_certifications(actor: User, args: dict[str, Any]) -> Select[Certification]:
    """Officers see their regions', suppliers their own, admins all."""
    stmt = select(Certification).order_by(Certification.id.desc())
    if not actor.is_admin:
        own = select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
        scopes: list[ColumnElement[bool]] = [Certification.supplier_id.in_(own)]
        scopes += [
            within(Certification.origin_region_code, require_region(c, "region"))
            for c in actor.officer_region_codes
        ]
        stmt = stmt.where(or_(*scopes))
    if status := args.get("status"):
        stmt = stmt.where(Certification.status == status)
    if region := args.get("region"):
        stmt = stmt.where(within(Certification.origin_region_code, require_region(region, "region")))
    if before := args.get("expiring_before"):
        stmt = stmt.where(
            Certification.status == CertificationStatus.CERTIFIED, Certification.valid_until < before
        )
    if product_id := args.get("product_id"):
        stmt = stmt.where(Certification.product_id == product_id)
    if days := args.get("expiring_within_days"):
        horizon = china_today() + timedelta(days=days)
        stmt = (
            stmt.where(expiring_by(horizon))
            .order_by(None)
            .order_by(Certification.valid_until, Certification.id)
        )
    if args.get("awaiting") == "me":
        stmt = stmt.where(Certification.id.in_(_awaiting(actor))).order_by(None).order_by(Certification.id)
    return stmt


def _awaiting(actor: User) -> Select[tuple[int]] | list[int]:
    """The applications whose current stage the actor may review: an admin any, an officer those
    whose current stage is their region's level over the origin. Not those the actor approved a
    stage of (one person, one stage), nor their own suppliers' (回避). The stage is looked up here,
    not in SQL: it is an index into a JSON list, which PostgreSQL and SQLite read differently."""
    approved = select(CertificationApproval.certification_id).where(
        CertificationApproval.approver_id == actor.id
    )
    own = select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
    stmt = select(
        Certification.id, Certification.stages, Certification.stage_index, Certification.origin_region_code
    ).where(
        Certification.status == CertificationStatus.APPLIED,
        Certification.id.not_in(approved),
        Certification.supplier_id.not_in(own),
    )
    if actor.is_admin:
        return stmt.with_only_columns(Certification.id)
    officed = [require_region(code, "region") for code in actor.officer_region_codes]
    if not officed:
        return []
    stmt = stmt.where(or_(*(within(Certification.origin_region_code, region) for region in officed)))
    ids = []
    for cert_id, stages, stage_index, origin_code in db.session.execute(stmt):
        stage = stages[stage_index]
        if any(region.level == stage and is_within(origin_code, region.code) for region in officed):
            ids.append(cert_id)
    return ids
