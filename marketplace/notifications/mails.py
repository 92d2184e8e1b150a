"""A notification's mail, rendered when sent (marketplace.mail) in the recipient's language: its
title as the subject, its text and a link to what it is about."""

from marketplace import mail
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.notifications import texts
from marketplace.notifications.models import Notification

NOTICE = "notifications.notice"


def queue_notice(notification_id: int) -> None:
    mail.queue(NOTICE, notification_id=notification_id)


@mail.template(NOTICE)
def notice(notification_id: int) -> mail.Mail | None:
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, notification.user_id) if notification else None
    if notification is None or user is None or not user.is_active:
        return None
    with mail.in_language(user.locale):
        return mail.Mail(
            to=user.email,
            subject=texts.title(notification),
            text=texts.message(notification)
            + "\n\n"
            + mail.link(texts.link(notification))
            + "\n\n"
            + _("You get these mails by your notification settings; turn them off on your account page.")
            + "\n",
        )
