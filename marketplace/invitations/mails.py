"""The invitation mail, rendered when sent (marketplace.mail): nothing goes once it is withdrawn.

It speaks the language of the account that holds the address, if one does and chose one; an address
with no account yet gets the inviter's language when they invited (kept in the queued mail), since
they know whom they invite; Chinese otherwise."""

from sqlalchemy import select

from marketplace import mail
from marketplace.accounts.models import User
from marketplace.agencies.models import Agency
from marketplace.extensions import db
from marketplace.i18n import N_, _, format_instant, locale_tag
from marketplace.invitations.models import Invitation, InvitationKind, InvitationStatus, aware
from marketplace.outbox.models import OutboxMessage
from marketplace.suppliers.models import Supplier

INVITATION = "invitations.invite"
ROLE_NAMES = {"purchaser": N_("purchaser"), "approver": N_("approver"), None: N_("member")}


def queue_invitation(invitation: Invitation) -> OutboxMessage:
    return mail.queue(INVITATION, invitation_id=invitation.id, locale=locale_tag())


def _language(email: str, inviters: str | None) -> str | None:
    holder = db.session.scalar(select(User).where(User.email == email))
    return holder.locale if holder is not None else inviters


@mail.template(INVITATION)
def invitation_mail(invitation_id: int, locale: str | None = None) -> mail.Mail | None:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.shown_status != InvitationStatus.PENDING:
        return None
    if invitation.kind == InvitationKind.SUPPLIER_MEMBER:
        name = db.session.get_one(Supplier, invitation.supplier_id).name
    else:
        name = db.session.get_one(Agency, invitation.agency_id).name
    url = mail.link(f"/invitations/{invitation.id}")
    call = f"POST /api/v1/invitations/{invitation.id}/accept"
    email = invitation.email
    with mail.in_language(_language(email, locale)):
        role = _(ROLE_NAMES[invitation.role])
        expires = format_instant(aware(invitation.expires_at))
        paragraphs = [
            _("Hello,"),
            _(
                "You are invited to join %(name)s as %(role)s. Sign in with this address, %(email)s "
                "(register first if you have no account, and verify the address), then accept "
                "(before %(expires)s):",
                name=name,
                role=role,
                email=email,
                expires=expires,
            )
            + "\n"
            + url,
            _("If you do not know who invited you, ignore this mail."),
            _(
                "(API: %(call)s, signed in with a verified %(email)s.)",
                call=call,
                email=email,
            ),
        ]
        return mail.Mail(
            to=email,
            subject=_("Invitation to join %(name)s as %(role)s", name=name, role=role),
            text="\n\n".join(paragraphs) + "\n",
        )
