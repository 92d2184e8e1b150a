"""What a notification says, in its reader's language: it keeps its kind and figures (fen, ids,
names as they were), and is worded when read or mailed; money from integer fen (yuan)."""

from collections.abc import Callable
from datetime import date
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale

from marketplace.alerts import texts as alerts
from marketplace.i18n import N_, _, format_day, translate, yuan
from marketplace.notifications.models import Notification
from marketplace.notifications.models import NotificationKind as Kind

TITLES = {
    Kind.ORDER_RECEIVED: N_("New order to ship"),
    Kind.PARCEL_SHIPPED: N_("Your parcel has shipped"),
    Kind.PO_AWAITING_APPROVAL: N_("Purchase order awaiting your approval"),
    Kind.PO_APPROVED: N_("Purchase order approved"),
    Kind.PO_REJECTED: N_("Purchase order rejected"),
    Kind.PO_RECEIVED: N_("New purchase order to confirm"),
    Kind.CERTIFICATION_DECIDED: N_("Certification decided"),
    Kind.CERTIFICATE_EXPIRING: N_("Your certificate is expiring"),
    Kind.ALERT_DIGEST: N_("This week's open alerts"),
}
# The web app's page where the reader acts on the subject, by kind, filled in from the subject's id
# and the notification's figures: a supplier its orders to ship and its product's certification, a
# buyer their order, an approver the approvals, an officer the dashboard's alerts.
LINKS = {
    Kind.ORDER_RECEIVED: "/workbench/orders",
    Kind.PARCEL_SHIPPED: "/orders/{id}",
    Kind.PO_AWAITING_APPROVAL: "/portal/approvals",
    Kind.PO_APPROVED: "/portal/orders/{id}",
    Kind.PO_REJECTED: "/portal/orders/{id}",
    Kind.PO_RECEIVED: "/portal/orders/{id}",
    Kind.CERTIFICATION_DECIDED: "/workbench/products/{product_id}",
    Kind.CERTIFICATE_EXPIRING: "/workbench/products/{product_id}",
    Kind.ALERT_OPENED: "/dashboard/alerts?kind={kind}",
    Kind.ALERT_DIGEST: "/dashboard/alerts",
}
DECISIONS = {
    "in_notice": N_("approved; its certificate is in public notice"),
    "certified": N_("certified"),
    "rejected": N_("rejected"),
    "revoked": N_("revoked"),
}


def title(notification: Notification) -> str:
    kind = Kind(notification.kind)
    if kind is Kind.ALERT_OPENED:
        return _("New alert: %(kind)s", kind=_(alerts.TITLES[notification.params["kind"]]))
    return _(TITLES[kind])


def link(notification: Notification) -> str:
    return LINKS[Kind(notification.kind)].format(id=notification.subject_id, **notification.params)


def message(notification: Notification) -> str:
    return WORDINGS[Kind(notification.kind)](notification.params)


def _order_received(p: dict[str, Any]) -> str:
    return _(
        "Order %(order)s is paid: %(count)s items worth %(amount)s for you to ship.",
        order=p["order_id"],
        count=p["quantity"],
        amount=yuan(p["amount_fen"]),
    )


def _parcel_shipped(p: dict[str, Any]) -> str:
    return _(
        "%(supplier)s shipped your order %(order)s with %(carrier)s, tracking number %(tracking)s.",
        supplier=p["supplier"],
        order=p["order_id"],
        carrier=p["carrier"],
        tracking=p["tracking_no"],
    )


def _po_awaiting_approval(p: dict[str, Any]) -> str:
    return _(
        "Purchase order %(order)s of %(agency)s, %(amount)s, awaits your approval.",
        order=p["po_id"],
        agency=p["agency"],
        amount=yuan(p["total_fen"]),
    )


def _po_approved(p: dict[str, Any]) -> str:
    return _(
        "Purchase order %(order)s, %(amount)s, is approved and goes to its suppliers.",
        order=p["po_id"],
        amount=yuan(p["total_fen"]),
    )


def _po_rejected(p: dict[str, Any]) -> str:
    return _(
        "Purchase order %(order)s, %(amount)s, was rejected: %(reason)s",
        order=p["po_id"],
        amount=yuan(p["total_fen"]),
        reason=translate(p["reason"]) if p.get("reason") else "-",
    )


def _po_received(p: dict[str, Any]) -> str:
    return _(
        "%(agency)s ordered from you (purchase order %(order)s): confirm or refuse its lines.",
        agency=p["agency"],
        order=p["po_id"],
    )


def _certification_decided(p: dict[str, Any]) -> str:
    return _(
        "The certification of %(product)s is %(decision)s.",
        product=p["product"],
        decision=_(DECISIONS[p["status"]]),
    )


def _certificate_expiring(p: dict[str, Any]) -> str:
    return _(
        "The certificate %(certificate)s of %(product)s expires on %(day)s: apply to renew it so that "
        "its sales still count as certified.",
        certificate=p["certificate_no"],
        product=p["product"],
        day=format_day(date.fromisoformat(p["valid_until"])),
    )


def _alert(p: dict[str, Any]) -> str:
    """An alert as the dashboard words it, after its region."""
    worded = alerts.WORDINGS[p["kind"]](p["alert"])
    return _("%(region)s: %(alert)s", region=p["region"], alert=worded) if p["region"] else worded


def _alert_digest(p: dict[str, Any]) -> str:
    counts = format_list(
        [
            _("%(kind)s: %(count)s", kind=_(alerts.TITLES[kind]), count=count)
            for kind, count in p["counts"].items()
        ],
        locale=get_locale(),
    )
    lines = [_("Open alerts in your regions: %(count)s (%(kinds)s).", count=p["total"], kinds=counts)]
    lines += [f"• {_alert(shown)}" for shown in p["shown"]]
    if p["total"] > len(p["shown"]):
        lines.append(_("And %(count)s more on the dashboard.", count=p["total"] - len(p["shown"])))
    return "\n".join(lines)


WORDINGS: dict[Kind, Callable[[dict[str, Any]], str]] = {
    Kind.ORDER_RECEIVED: _order_received,
    Kind.PARCEL_SHIPPED: _parcel_shipped,
    Kind.PO_AWAITING_APPROVAL: _po_awaiting_approval,
    Kind.PO_APPROVED: _po_approved,
    Kind.PO_REJECTED: _po_rejected,
    Kind.PO_RECEIVED: _po_received,
    Kind.CERTIFICATION_DECIDED: _certification_decided,
    Kind.CERTIFICATE_EXPIRING: _certificate_expiring,
    Kind.ALERT_OPENED: _alert,
    Kind.ALERT_DIGEST: _alert_digest,
}
