"""What an alert says, in its reader's language: an alert keeps its kind and the figures (fen,
grams, ISO days and instants), and is worded when read. Money from integer fen by Babel (万元 for
targets, as officials write them), days and times as a clock in China shows them."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale

from marketplace.alerts.models import Alert
from marketplace.i18n import N_, _, format_day, format_instant, translate, wan_yuan, yuan

TITLES = {
    "certificate_expiring": N_("Certificate expiring"),
    "target_behind": N_("Target behind pace"),
    "unsold_stock": N_("Unsold stock"),
    "payment_unreconciled": N_("Payment not reconciled"),
    "payment_mismatch": N_("Payment does not pay its order"),
    "refund_failed": N_("Refund failed"),
    "payment_event_failed": N_("Provider event not processed"),
}
PACES = {"linear": N_("linear pace"), "seasonal": N_("seasonal pace, from last year's months")}
COUNTING = {True: N_("counting certified sales only"), False: N_("counting every sale, certified or not")}


def title(alert: Alert) -> str:
    return _(TITLES[alert.kind])


def message(alert: Alert) -> str:
    """The alert's text for the reader; an alert stored before alerts were worded when read keeps
    the text it was raised with."""
    if alert.params is None:
        return alert.message or ""
    return WORDINGS[alert.kind](alert.params)


def _number(value: int | Decimal, pattern: str = "#,##0") -> str:
    return format_decimal(value, format=pattern, locale=get_locale())


def _tonnes(grams: int) -> str:
    tonnes = Decimal(grams).scaleb(-6).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _("%(tonnes)s t", tonnes=_number(tonnes, "#,##0.0"))


def _day(iso: str) -> str:
    return format_day(date.fromisoformat(iso))


def _target_behind(p: dict[str, Any]) -> str:
    shown = wan_yuan if p["unit"] == "fen" else _tonnes
    ratio = Decimal(p["achieved"]) / Decimal(p["goal"])
    return _(
        "%(name)s: %(achieved)s achieved, %(expected)s expected by now (%(pace)s); %(ratio)s of the "
        "target, %(counting)s.",
        name=p["name"],
        achieved=shown(p["achieved"]),
        expected=shown(p["expected"]),
        pace=_(PACES[p["pace"]]),
        ratio=format_percent(ratio, format="#,##0.0%", locale=get_locale()),
        counting=_(COUNTING[p["certified_only"]]),
    )


def _unsold_stock(p: dict[str, Any]) -> str:
    figures = {
        "product": p["product"],
        "stock": _number(p["stock"]),
        "unit": p["unit"],
        "since": _day(p["since"]),
    }
    if p.get("harvest_on"):
        return _(
            "%(product)s: %(stock)s %(unit)s in stock and %(harvest)s %(unit)s to harvest on "
            "%(harvest_on)s, no sale since %(since)s.",
            harvest=_number(p["harvest"] or 0),
            harvest_on=_day(p["harvest_on"]),
            **figures,
        )
    return _("%(product)s: %(stock)s %(unit)s in stock, no sale since %(since)s.", **figures)


def _payment_unreconciled(p: dict[str, Any]) -> str:
    if p["what"] == "purchase_order":
        return _(
            "Purchase order %(id)s: invoiced on %(day)s; %(amount)s not yet received or not yet recorded.",
            id=p["id"],
            day=_day(p["invoiced_on"]),
            amount=yuan(p["owed_fen"]),
        )
    figures = {
        "order": p["order_id"],
        "id": p["id"],
        "amount": yuan(p["amount_fen"]),
        "since": format_instant(datetime.fromisoformat(p["since"])),
    }
    if p["what"] == "refund":
        return _(
            "Order %(order)s: refund %(id)s of %(amount)s still pending since %(since)s; check it at "
            "the provider.",
            **figures,
        )
    return _(
        "Order %(order)s: payment %(id)s of %(amount)s still pending since %(since)s; check it at the "
        "provider.",
        **figures,
    )


def _certificate_expiring(p: dict[str, Any]) -> str:
    return _(
        "%(product)s: certificate %(certificate)s expires on %(day)s.",
        product=p["product"],
        certificate=p["certificate_no"],
        day=_day(p["valid_until"]),
    )


def _payment_mismatch(p: dict[str, Any]) -> str:
    return _(
        "Order %(order)s: payment %(ref)s succeeded at the provider but %(why)s; the order stays "
        "unpaid and nothing entered the ledger. Settle it with the buyer at the provider.",
        order=p["order_id"],
        ref=p["provider_ref"],
        why=translate(p["why"]),
    )


def _refund_failed(p: dict[str, Any]) -> str:
    return _(
        "Order %(order)s: refund %(id)s of %(amount)s failed (%(why)s); the buyer has not been paid "
        "back. Refund them another way or ask again.",
        order=p["order_id"],
        id=p["id"],
        amount=yuan(p["amount_fen"]),
        why=translate(p["why"]),
    )


def _payment_event_failed(p: dict[str, Any]) -> str:
    return _(
        "Provider event %(event)s (%(type)s) for %(object)s could not be processed: %(why)s. Check it "
        "at the provider.",
        event=p["event_id"],
        type=p["event_type"],
        object=p["object_id"],
        why=translate(p["why"]),
    )


WORDINGS = {
    "certificate_expiring": _certificate_expiring,
    "target_behind": _target_behind,
    "unsold_stock": _unsold_stock,
    "payment_unreconciled": _payment_unreconciled,
    "payment_mismatch": _payment_mismatch,
    "refund_failed": _refund_failed,
    "payment_event_failed": _payment_event_failed,
}
