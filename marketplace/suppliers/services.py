"""Supplier registration, county review, suspension and blacklisting."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select

from marketplace import cache
from marketplace.accounts.models import User
from marketplace.accounts.permissions import officiates
from marketplace.audit import services as audit
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound, when_taken
from marketplace.extensions import db
from marketplace.i18n import N_, _, name_of
from marketplace.regions.services import is_assisted, require_region, within
from marketplace.suppliers import uscc as credit_code
from marketplace.suppliers.models import ACTION_NAMES, STATUS_NAMES, Supplier, SupplierMember, SupplierStatus

USCC_TAKEN = N_("A supplier with this credit code is registered already.")
ALREADY_REGISTERED = N_("Already registered.")
when_taken("uq_suppliers_uscc", "uscc", USCC_TAKEN, ALREADY_REGISTERED)

# action: (statuses it may start from, status it leads to, reason required)
TRANSITIONS: dict[str, tuple[frozenset[SupplierStatus], SupplierStatus, bool]] = {
    "approve": (frozenset({SupplierStatus.PENDING}), SupplierStatus.VERIFIED, False),
    "reject": (frozenset({SupplierStatus.PENDING}), SupplierStatus.REJECTED, True),
    "suspend": (frozenset({SupplierStatus.VERIFIED}), SupplierStatus.SUSPENDED, True),
    "reinstate": (frozenset({SupplierStatus.SUSPENDED}), SupplierStatus.VERIFIED, False),
    "blacklist": (
        frozenset(
            {
                SupplierStatus.PENDING,
                SupplierStatus.VERIFIED,
                SupplierStatus.SUSPENDED,
                SupplierStatus.REJECTED,
            }
        ),
        SupplierStatus.BLACKLISTED,
        True,
    ),
    "resubmit": (frozenset({SupplierStatus.REJECTED}), SupplierStatus.PENDING, False),
}
OFFICER_ACTIONS = {"approve", "reject", "suspend", "reinstate", "blacklist"}


def register_supplier(actor: User, data: dict[str, Any]) -> Supplier:
    """Register a supplier in an assisted county; the caller becomes its first member."""
    code = data["uscc"].upper()
    if why := credit_code.problem(code):
        raise InvalidField("uscc", why)
    region = require_region(data["region_code"], "region_code")
    if region.level not in ("county", "town"):
        raise InvalidField(
            "region_code", _("A supplier registers in a county (or a town), not a whole city.")
        )
    if not is_assisted(region.code):
        raise InvalidField(
            "region_code",
            _("%(name)s (%(code)s) is not in an assisted region.", name=region.name, code=region.code),
        )
    if db.session.scalar(select(Supplier.id).where(Supplier.uscc == code)) is not None:
        raise Conflict(_(USCC_TAKEN), errors={"json": {"uscc": [_(ALREADY_REGISTERED)]}})
    supplier = Supplier(**{**data, "uscc": code, "linkage_modes": sorted(set(data["linkage_modes"]))})
    supplier.members.append(SupplierMember(user_id=actor.id))
    db.session.add(supplier)
    db.session.flush()  # registered at the same time by another: uq_suppliers_uscc, a 409
    audit.record(supplier, "register", actor.id, to_status=SupplierStatus.PENDING)
    db.session.commit()
    return supplier


def change_status(actor: User, supplier_id: int, action: str, reason: str | None) -> Supplier:
    """Review (approve, reject), suspend, reinstate, blacklist or resubmit a supplier."""
    supplier = get_supplier(actor, supplier_id)
    allowed_from, to_status, needs_reason = TRANSITIONS[action]
    if action in OFFICER_ACTIONS:
        if not officiates(actor, supplier.region_code):
            raise Forbidden(
                _(
                    "Only an officer of %(region)s (or above) or an admin may %(action)s it.",
                    region=supplier.region_code,
                    action=name_of(ACTION_NAMES, action),
                )
            )
        require_impartial(actor, supplier)
    elif actor.id not in supplier.member_user_ids:
        raise Forbidden(_("Only the supplier's members may resubmit it."))
    if supplier.status not in allowed_from:
        raise Conflict(
            _(
                "A supplier that is %(status)s cannot take the action %(action)s.",
                status=name_of(STATUS_NAMES, supplier.status),
                action=name_of(ACTION_NAMES, action),
            )
        )
    if needs_reason and not reason:
        raise InvalidField(
            "comment" if action == "reject" else "reason",
            _("A reason is required to %(action)s.", action=name_of(ACTION_NAMES, action)),
        )
    from_status, supplier.status = supplier.status, to_status
    supplier.status_reason = reason
    if action == "approve":
        supplier.verified_at = datetime.now(UTC)
    audit.record(supplier, action, actor.id, from_status=from_status, to_status=to_status, reason=reason)
    db.session.commit()
    cache.invalidate("catalog")  # its products go on or off sale
    return supplier


def require_impartial(actor: User, supplier: Supplier) -> None:
    """Nobody decides on a supplier they belong to, nor on its products' certificates, whatever
    roles they hold (回避); registering a supplier makes one its member."""
    if actor.id in supplier.member_user_ids:
        raise Forbidden(
            _("You are a member of %(name)s; another officer must decide on it.", name=supplier.name)
        )


def managed_by_members(actor: User, supplier_id: int, refusal: str) -> Supplier:
    """The supplier, if the caller is one of its members or an admin (Forbidden with `refusal` if not)."""
    supplier = get_supplier(actor, supplier_id)
    if actor.id not in supplier.member_user_ids and not actor.is_admin:
        raise Forbidden(refusal)
    return supplier


def can_manage(actor: User | None, supplier: Supplier) -> bool:
    """Members, officers over its county and admins see a supplier whatever its status."""
    return actor is not None and (
        actor.id in supplier.member_user_ids or officiates(actor, supplier.region_code)
    )


def get_supplier(actor: User | None, supplier_id: int) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None or not (supplier.status == SupplierStatus.VERIFIED or can_manage(actor, supplier)):
        raise NotFound(_("No supplier %(id)s.", id=supplier_id))
    return supplier


def list_suppliers(
    actor: User | None,
    region: str | None,
    kind: str | None,
    status: str | None,
    awaiting_me: bool = False,
) -> Select[Any]:
    """Verified suppliers for everyone; also, whatever their status, one's own and those one
    officiates. Awaiting the actor: the pending registrations they may verify, oldest first."""
    if awaiting_me and actor is not None:
        return _awaiting(actor).where(*_filters(region, kind, status))
    visible = [Supplier.status == SupplierStatus.VERIFIED]
    if actor is not None:
        visible.append(
            Supplier.id.in_(select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id))
        )
        if actor.is_admin:
            visible.append(Supplier.id.is_not(None))
        for code in actor.officer_region_codes:
            visible.append(within(Supplier.region_code, require_region(code, "region")))
    return select(Supplier).where(or_(*visible), *_filters(region, kind, status)).order_by(Supplier.id)


def _filters(region: str | None, kind: str | None, status: str | None) -> list[ColumnElement[bool]]:
    filters = []
    if region:
        filters.append(within(Supplier.region_code, require_region(region, "region")))
    if kind:
        filters.append(Supplier.kind == kind)
    if status:
        filters.append(Supplier.status == status)
    return filters


def _awaiting(actor: User) -> Select[Any]:
    """Pending registrations in the actor's regions (an admin's: all), but not of a supplier the
    actor belongs to: nobody verifies their own (回避)."""
    own = select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
    stmt = (
        select(Supplier)
        .where(Supplier.status == SupplierStatus.PENDING, Supplier.id.not_in(own))
        .order_by(Supplier.id)
    )
    if actor.is_admin:
        return stmt
    officed = [within(Supplier.region_code, require_region(c, "region")) for c in actor.officer_region_codes]
    return stmt.where(or_(*officed)) if officed else stmt.where(false())


def supplier_history(actor: User, supplier_id: int) -> list[Any]:
    supplier = get_supplier(actor, supplier_id)
    if not can_manage(actor, supplier):
        raise Forbidden(_("Only its members, its officers and admins may read a supplier's history."))
    return audit.history("suppliers", supplier.id)


def member_supplier_ids(user: User) -> set[int]:
    """The suppliers the user is a member of."""
    return set(
        db.session.scalars(select(SupplierMember.supplier_id).where(SupplierMember.user_id == user.id))
    )


def others_members(supplier_ids: set[int], mine: set[int]) -> set[int]:
    """Members of the other suppliers on an order (and of none of the caller's): who a supplier may
    not learn of."""
    rows = db.session.execute(
        select(SupplierMember.user_id, SupplierMember.supplier_id).where(
            SupplierMember.supplier_id.in_(supplier_ids)
        )
    ).all()
    own = {user_id for user_id, supplier_id in rows if supplier_id in mine}
    return {user_id for user_id, supplier_id in rows if supplier_id not in mine} - own
