"""Invitations: made by a supplier's members or an admin (suppliers decides who manages a supplier),
an agency's by an admin; accepted by the verified owner of the address, whatever account holds it,
who becomes a member then."""

from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import ColumnElement, CursorResult, Select, select, update
from sqlalchemy.orm import QueryableAttribute

from marketplace.accounts.models import User, normalize_email
from marketplace.accounts.permissions import require_admin, require_verified
from marketplace.agencies.models import Agency, AgencyMember
from marketplace.audit import services as audit
from marketplace.errors import Conflict, NotFound, when_taken
from marketplace.extensions import db
from marketplace.i18n import N_, _
from marketplace.invitations import mails
from marketplace.invitations.models import EXPIRED, Invitation, InvitationKind, InvitationStatus
from marketplace.suppliers.models import Supplier, SupplierMember
from marketplace.suppliers.services import managed_by_members
from marketplace.timeutil import now

when_taken(
    "uq_invitations_pending",
    "email",
    N_("This address is being invited already; try again."),
    N_("Being invited already."),
)

# An invitation's status as a person reads it.
STATUS_NAMES = {
    InvitationStatus.PENDING: N_("pending"),
    InvitationStatus.ACCEPTED: N_("accepted"),
    InvitationStatus.REVOKED: N_("revoked"),
    EXPIRED: N_("expired"),
}


def invite_supplier_member(actor: User, supplier_id: int, email: str) -> Invitation:
    """Invite an address to become a member; the owner of the address, verified, accepts. The
    answer is the same whether or not the address has an account."""
    supplier = managed_by_members(
        actor, supplier_id, _("Only the supplier's members or an admin may invite members.")
    )
    invitation = invite(actor, email, supplier_id=supplier.id)
    audit.record(supplier, "invite_member", actor.id, details={"invitation_id": invitation.id})
    db.session.commit()
    return invitation


def supplier_invitations(actor: User, supplier_id: int, status: str | None) -> Select[Any]:
    supplier = managed_by_members(
        actor, supplier_id, _("Only the supplier's members or an admin may see its invitations.")
    )
    return of_target(supplier_id=supplier.id, status=status)


def revoke_supplier_invitation(actor: User, supplier_id: int, invitation_id: int) -> Invitation:
    supplier = managed_by_members(
        actor, supplier_id, _("Only the supplier's members or an admin may revoke its invitations.")
    )
    invitation = find(invitation_id, supplier_id=supplier.id)
    revoke(actor, invitation, supplier)
    db.session.commit()
    return invitation


def invite_agency_member(actor: User, agency_id: int, email: str, role: str) -> Invitation:
    """Invite an address to a role at the agency; the owner of the address, verified, accepts. The
    answer is the same whether or not the address has an account."""
    require_admin(actor)
    agency = _agency(agency_id)
    invitation = invite(actor, email, agency_id=agency.id, role=role)
    audit.record(agency, "invite_member", actor.id, details={"invitation_id": invitation.id, "role": role})
    db.session.commit()
    return invitation


def agency_invitations(actor: User, agency_id: int, status: str | None) -> Select[Any]:
    require_admin(actor)
    return of_target(agency_id=_agency(agency_id).id, status=status)


def revoke_agency_invitation(actor: User, agency_id: int, invitation_id: int) -> Invitation:
    require_admin(actor)
    agency = _agency(agency_id)
    invitation = find(invitation_id, agency_id=agency.id)
    revoke(actor, invitation, agency)
    db.session.commit()
    return invitation


def _agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("No agency %(id)s.", id=agency_id))
    return agency


def invite(
    actor: User,
    email: str,
    *,
    supplier_id: int | None = None,
    agency_id: int | None = None,
    role: str | None = None,
) -> Invitation:
    """Add an invitation and its mail to the caller's transaction (flushed, not committed). Inviting
    again renews the pending invitation. Nothing here looks at whether the address has an account,
    so the inviter learns nothing about it. Only an inviter who verified their own address may
    invite: each invitation mails a stranger."""
    require_verified(actor)
    email = normalize_email(email)
    kind = InvitationKind.SUPPLIER_MEMBER if supplier_id is not None else InvitationKind.AGENCY_MEMBER
    expires_at = now() + timedelta(days=current_app.config["INVITATION_TTL_DAYS"])
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.status == InvitationStatus.PENDING,
            Invitation.email == email,
            Invitation.kind == kind,
            _same(Invitation.supplier_id, supplier_id),
            _same(Invitation.agency_id, agency_id),
            _same(Invitation.role, role),
        )
    )
    if invitation is None:
        invitation = Invitation(
            kind=kind, email=email, supplier_id=supplier_id, agency_id=agency_id, role=role
        )
        db.session.add(invitation)
    invitation.invited_by_id, invitation.expires_at = actor.id, expires_at
    db.session.flush()  # the same invitation sent twice at once: a 409 (when_taken above)
    mails.queue_invitation(invitation)
    return invitation


def _same(column: QueryableAttribute[Any], value: object) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def of_target(
    *, supplier_id: int | None = None, agency_id: int | None = None, status: str | None = None
) -> Select[Invitation]:
    """A supplier's or an agency's invitations, newest first; `status` as shown (expired included)."""
    stmt = select(Invitation).order_by(Invitation.id.desc())
    stmt = stmt.where(
        Invitation.supplier_id == supplier_id
        if supplier_id is not None
        else Invitation.agency_id == agency_id
    )
    if status == EXPIRED:
        stmt = stmt.where(Invitation.status == InvitationStatus.PENDING, Invitation.expires_at <= now())
    elif status == InvitationStatus.PENDING:
        stmt = stmt.where(Invitation.status == InvitationStatus.PENDING, Invitation.expires_at > now())
    elif status:
        stmt = stmt.where(Invitation.status == status)
    return stmt


def find(invitation_id: int, *, supplier_id: int | None = None, agency_id: int | None = None) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or (invitation.supplier_id, invitation.agency_id) != (supplier_id, agency_id):
        raise NotFound(_("No invitation %(id)s.", id=invitation_id))
    return invitation


def revoke(actor: User, invitation: Invitation, subject: Supplier | Agency) -> None:
    """Withdraw a pending invitation (expired ones too) in the caller's transaction; one accepted is
    a membership now."""
    revoked = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
            .values(status=InvitationStatus.REVOKED, closed_at=now())
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not revoked:
        raise Conflict(
            _(
                "The invitation is %(status)s; only a pending one can be revoked.",
                status=_(STATUS_NAMES[invitation.shown_status]),
            )
        )
    audit.record(subject, "revoke_invitation", actor.id, details={"invitation_id": invitation.id})


def pending_for(actor: User) -> Select[Invitation]:
    """The invitations waiting for the caller's address; only once they proved it is theirs."""
    require_verified(actor)
    return (
        select(Invitation)
        .where(
            Invitation.email == actor.email,
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now(),
        )
        .order_by(Invitation.id)
    )


def accept_invitation(actor: User, invitation_id: int) -> Invitation:
    """Take up an invitation addressed to the caller's verified address: the membership (or role)
    is granted now, once, however often or concurrently this is called."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.email != actor.email:
        raise NotFound(_("No invitation %(id)s.", id=invitation_id))
    require_verified(actor)
    # Claimed by a guarded UPDATE, so two acceptances at once grant once.
    claimed = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > now(),
            )
            .values(status=InvitationStatus.ACCEPTED, accepted_by_id=actor.id, closed_at=now())
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(invitation)
        raise Conflict(_("The invitation is %(status)s.", status=_(STATUS_NAMES[invitation.shown_status])))
    subject: Supplier | Agency
    details: dict[str, int | str | None] = {"user_id": actor.id, "invitation_id": invitation.id}
    if invitation.kind == InvitationKind.SUPPLIER_MEMBER:
        supplier = db.session.get_one(Supplier, invitation.supplier_id)
        if actor.id not in supplier.member_user_ids:
            supplier.members.append(SupplierMember(user_id=actor.id))
        subject = supplier
    else:
        agency = db.session.get_one(Agency, invitation.agency_id)
        details["role"] = invitation.role
        if invitation.role not in agency.role_of(actor.id):
            agency.members.append(AgencyMember(user_id=actor.id, role=invitation.role))
        subject = agency
    audit.record(subject, "add_member", invitation.invited_by_id, details=details)
    audit.record(
        invitation,
        "accept",
        actor.id,
        from_status=InvitationStatus.PENDING,
        to_status=InvitationStatus.ACCEPTED,
    )
    db.session.commit()
    db.session.refresh(invitation)
    return invitation
