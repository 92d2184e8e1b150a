"""What the top floor composes: the signed-in user with their roles and memberships across domains,
and the audit trail of every domain for admins."""

from typing import Any

from sqlalchemy import Select, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import require_admin
from marketplace.agencies.models import AgencyMember
from marketplace.audit import services as audit
from marketplace.extensions import db
from marketplace.suppliers.services import member_supplier_ids


def describe_user(user: User) -> dict[str, Any]:
    """The user with roles and memberships, as /me shows them."""
    roles = ["buyer"] + sorted({g.role for g in user.role_grants})
    memberships: list[dict[str, Any]] = [
        {"kind": "region", "role": g.role, "region_code": g.region_code}
        for g in user.role_grants
        if g.role == "region_officer"
    ]
    supplier_ids = sorted(member_supplier_ids(user))
    memberships += [{"kind": "supplier", "role": "member", "supplier_id": i} for i in supplier_ids]
    if supplier_ids:
        roles.append("supplier_member")
    agency_roles = db.session.execute(
        select(AgencyMember.agency_id, AgencyMember.role)
        .where(AgencyMember.user_id == user.id)
        .order_by(AgencyMember.agency_id, AgencyMember.role)
    ).all()
    memberships += [
        {"kind": "agency", "role": role, "agency_id": agency_id} for agency_id, role in agency_roles
    ]
    roles += sorted({f"agency_{role}" for _, role in agency_roles})
    return {"user": user, "roles": roles, "memberships": memberships}


def audit_trail(actor: User, **args: Any) -> Select[Any]:
    """The audit log across every domain, newest first: for admins, who answer for officers' and
    each other's actions."""
    require_admin(actor)
    return audit.search(**args)
