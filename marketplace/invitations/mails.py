"""The invitation mail, rendered when sent (marketplace.mail): nothing goes once it is withdrawn."""

from marketplace import mail
from marketplace.agencies.models import Agency
from marketplace.extensions import db
from marketplace.invitations.models import Invitation
from marketplace.outbox.models import OutboxMessage
from marketplace.suppliers.models import Supplier

INVITATION = "invitations.invite"
ROLE_NAMES = {
    "purchaser": ("采购员", "purchaser"),
    "approver": ("审批人", "approver"),
    None: ("成员", "member"),
}


def queue_invitation(invitation: Invitation) -> OutboxMessage:
    return mail.queue(INVITATION, invitation_id=invitation.id)


@mail.template(INVITATION)
def invitation_mail(invitation_id: int) -> mail.Mail | None:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.shown_status != "pending":
        return None
    if invitation.kind == "supplier_member":
        name = db.session.get(Supplier, invitation.supplier_id).name
    else:
        name = db.session.get(Agency, invitation.agency_id).name
    role_zh, role_en = ROLE_NAMES[invitation.role]
    expires = f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    url = mail.link(f"/invitations/{invitation.id}")
    return mail.Mail(
        to=invitation.email,
        subject=f"邀请您以{role_zh}身份加入{name} / Invitation to join {name} as {role_en}",
        text=f"""您好：

您受邀以{role_zh}身份加入“{name}”。请用本邮箱 {invitation.email} 登录（没有账户请先注册，并验证邮箱），
然后接受邀请（{expires} 前有效）：
{url}

如果您不认识邀请方，请忽略本邮件。

Hello,

You are invited to join {name} as {role_en}. Sign in with this address, {invitation.email}
(register first if you have no account, and verify the address), then accept (before {expires}):
{url}

If you do not know who invited you, ignore this mail.

(API: POST /api/v1/invitations/{invitation.id}/accept, signed in with a verified {invitation.email}.)
""",
    )
