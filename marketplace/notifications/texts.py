"""What a notification says, in its reader's language: it keeps its kind and figures (fen, ids,
names as they were), and is worded when read or mailed; money from integer fen (yuan)."""

from collections.abc import Callable
from typing import Any

from marketplace.i18n import N_, _, translate, yuan
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
}
# Where the web app shows the subject, by kind.
LINKS = {
    Kind.ORDER_RECEIVED: "/orders/{id}",
    Kind.PARCEL_SHIPPED: "/orders/{id}",
    Kind.PO_AWAITING_APPROVAL: "/purchase-orders/{id}",
    Kind.PO_APPROVED: "/purchase-orders/{id}",
    Kind.PO_REJECTED: "/purchase-orders/{id}",
    Kind.PO_RECEIVED: "/purchase-orders/{id}",
    Kind.CERTIFICATION_DECIDED: "/certifications/{id}",
}
DECISIONS = {
    "in_notice": N_("approved; its certificate is in public notice"),
    "certified": N_("certified"),
    "rejected": N_("rejected"),
    "revoked": N_("revoked"),
}


def title(notification: Notification) -> str:
    return _(TITLES[Kind(notification.kind)])


def link(notification: Notification) -> str:
    return LINKS[Kind(notification.kind)].format(id=notification.subject_id)


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


WORDINGS: dict[Kind, Callable[[dict[str, Any]], str]] = {
    Kind.ORDER_RECEIVED: _order_received,
    Kind.PARCEL_SHIPPED: _parcel_shipped,
    Kind.PO_AWAITING_APPROVAL: _po_awaiting_approval,
    Kind.PO_APPROVED: _po_approved,
    Kind.PO_REJECTED: _po_rejected,
    Kind.PO_RECEIVED: _po_received,
    Kind.CERTIFICATION_DECIDED: _certification_decided,
}
