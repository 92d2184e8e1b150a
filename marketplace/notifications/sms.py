"""A notification's text message: queued through the outbox in notify()'s transaction, for those who
turned SMS on with a mobile number, and sent by a task at most once per notification.

Mainland SMS is sent only through templates the provider approved, in Chinese: TEMPLATES below are
their texts, with Aliyun's ${name} variables, to be registered as they read here (one template per
kind; its code goes in MARKETPLACE_SMS_ALIYUN_TEMPLATES). Each fits one message of 70 characters
with the sign name; figures are formatted as people read them (¥1,398.00), names cut short.
"""

import logging
import re
from string import Template
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from marketplace import sms
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.i18n import DEFAULT_LOCALE, _, force_locale, yuan
from marketplace.notifications import texts
from marketplace.notifications.models import (
    Notification,
    NotificationKind,
    NotificationSettings,
    SmsDelivery,
    SmsStatus,
)
from marketplace.outbox import services as outbox
from marketplace.timeutil import now

log = logging.getLogger(__name__)
SEND_SMS = "notifications.send_sms"
MOBILE = re.compile(r"1[3-9]\d{9}")
# One message: 70 characters, the sign name's 【】 included.
MAX_CHARS = 70
# Aliyun lets one variable of a notification template carry up to 35 characters; names are cut
# shorter, so that the whole stays within one message.
NAME_CHARS = 12

Kind = NotificationKind
TEMPLATES = {
    Kind.ORDER_RECEIVED: "订单${order}已付款：${count}件共${amount}，请及时发货。",
    Kind.PARCEL_SHIPPED: "您的订单${order}已由${carrier}发出，运单号${tracking}。",
    Kind.PO_AWAITING_APPROVAL: "${agency}的采购单${order}（${amount}）待您审批。",
    Kind.PO_APPROVED: "采购单${order}（${amount}）已审批通过，已发往供应商。",
    Kind.PO_REJECTED: "采购单${order}（${amount}）未通过审批，原因请登录平台查看。",
    Kind.PO_RECEIVED: "${agency}向您下了采购单${order}，请登录平台确认。",
    Kind.CERTIFICATION_DECIDED: "${product}的帮扶产品认定：${decision}。",
}


def short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def variables(notification: Notification) -> dict[str, str]:
    """The template's variables of this notification, in Chinese."""
    p: dict[str, Any] = notification.params
    kind = Kind(notification.kind)
    with force_locale(DEFAULT_LOCALE):
        if kind == Kind.ORDER_RECEIVED:
            return {"order": str(p["order_id"]), "count": str(p["quantity"]), "amount": yuan(p["amount_fen"])}
        if kind == Kind.PARCEL_SHIPPED:
            return {
                "order": str(p["order_id"]),
                "carrier": short(p["carrier"]),
                "tracking": str(p["tracking_no"]),
            }
        if kind == Kind.PO_RECEIVED:
            return {"agency": short(p["agency"]), "order": str(p["po_id"])}
        if kind == Kind.CERTIFICATION_DECIDED:
            return {"product": short(p["product"]), "decision": _(texts.DECISIONS[p["status"]])}
        figures = {"order": str(p["po_id"]), "amount": yuan(p["total_fen"])}
        return {**figures, "agency": short(p["agency"])} if kind == Kind.PO_AWAITING_APPROVAL else figures


def message(notification: Notification, to: str) -> sms.Sms:
    kind = Kind(notification.kind)
    params = variables(notification)
    text = Template(TEMPLATES[kind]).substitute(params)
    return sms.Sms(to=to, template=str(kind), params=params, text=text)


def has_template(kind: str) -> bool:
    return kind in TEMPLATES


def queue(notification_id: int) -> None:
    """Add the notification's text message to the caller's transaction (sent once it commits)."""
    outbox.enqueue(SEND_SMS, notification_id)


def deliver(notification_id: int) -> str:
    """Text one notification to its user, unless it was texted (or tried) already: "sent",
    "skipped" (SMS turned off meanwhile, or done before), "refused" or "unknown" (no answer came:
    it may have gone, so it is never sent again). Raises SmsUnavailable when it was not sent and
    may be tried again."""
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, notification.user_id) if notification else None
    settings = db.session.get(NotificationSettings, user.id) if user else None
    if notification is None or user is None or not user.is_active or settings is None:
        return "skipped"
    if not settings.sms or not settings.mobile or not has_template(notification.kind) or not sms.available():
        return "skipped"
    text = message(notification, settings.mobile)
    if not _claim(notification_id, settings.mobile):
        return "skipped"
    try:
        receipt = sms.sender().send(text)
    except sms.SmsUnavailable as exc:
        _finish(notification_id, SmsStatus.FAILED, error=str(exc))
        log.warning("SMS of notification %s not sent, to be tried again: %s", notification_id, exc)
        raise
    except sms.SmsRefused as exc:
        _finish(notification_id, SmsStatus.REFUSED, error=str(exc))
        log.warning("SMS of notification %s refused by the provider: %s", notification_id, exc)
        return "refused"
    except Exception as exc:
        _finish(notification_id, SmsStatus.SENDING, error=f"{type(exc).__name__}: {exc}")
        log.exception("SMS of notification %s: no answer, it may have gone; not sent again", notification_id)
        return "unknown"
    _finish(notification_id, SmsStatus.SENT, receipt=receipt)
    return "sent"


def _claim(notification_id: int, mobile: str) -> bool:
    """Take the message for this try (a first one, or one after a failure), committed before it is
    sent; False when another try has it or had it."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    first = db.session.execute(
        insert(SmsDelivery)
        .values(notification_id=notification_id, status=SmsStatus.SENDING, mobile=mobile, attempts=1)
        .on_conflict_do_nothing(index_elements=["notification_id"])
        .returning(SmsDelivery.notification_id)
    ).first()
    if first is None:
        first = db.session.execute(
            update(SmsDelivery)
            .where(SmsDelivery.notification_id == notification_id, SmsDelivery.status == SmsStatus.FAILED)
            .values(status=SmsStatus.SENDING, mobile=mobile, attempts=SmsDelivery.attempts + 1)
            .returning(SmsDelivery.notification_id)
        ).first()
    db.session.commit()
    return first is not None


def _finish(
    notification_id: int, status: SmsStatus, *, receipt: str | None = None, error: str | None = None
) -> None:
    db.session.execute(
        update(SmsDelivery)
        .where(SmsDelivery.notification_id == notification_id)
        .values(
            status=status,
            receipt=receipt,
            last_error=error[:1000] if error else None,
            sent_at=now() if status == SmsStatus.SENT else None,
        )
    )
    db.session.commit()
