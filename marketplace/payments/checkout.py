"""Checkout: the shop order's use cases that reach its payment. Placing an order opens its payment,
cancelling one cancels the payment or refunds it, expiry cancels the payment, and an order's view
shows its payment and its history the refunds. Each use case commits its own transactions, none of
them open while the provider is asked."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.errors import Conflict, DomainError, Forbidden
from marketplace.extensions import db, kept_loaded
from marketplace.i18n import N_, _, name_of
from marketplace.orders import services as orders
from marketplace.orders.models import ORDER_STATUS_NAMES, FulfilmentStatus, Order, OrderStatus
from marketplace.payments import lifecycle
from marketplace.payments.gateways import (
    Payer,
    PaymentProviderUnavailable,
    gateway,
    gateway_for,
)
from marketplace.payments.models import Payment, PaymentStatus, Refund
from marketplace.payments.services import latest_payment, refund_remaining, send_refund
from marketplace.payments.stock import close_unpaid, lock_order
from marketplace.suppliers.services import member_supplier_ids, others_members
from marketplace.timeutil import now

# What a supplier reads of the events about the whole order: its view shows paid_fen and refunded_fen.
ORDER_WIDE_DETAILS = ("amount_fen",)
# Their reasons speak of the buyer's payment (what was received, in which currency), which a
# supplier's view of the order leaves out.
PAYMENT_EVENTS = ("payment_rejected",)


def place_order(
    buyer: User,
    items: list[dict[str, int]],
    shipping: dict[str, str],
    method: str,
    payer: Payer | None = None,
) -> tuple[Order, Payment]:
    """Reserve stock for every line (all shortages reported at once) within what one buyer may hold
    unpaid, split into one fulfilment per supplier, and open a payment with the provider of the
    buyer's payment method. If the provider is down, the order is cancelled and its stock released,
    so nothing is left half-made. The order and the payment opened for it."""
    try:
        provider = gateway_for(method)
        order = orders.reserve_order(buyer, items, shipping, method)
    except DomainError:
        db.session.rollback()  # the buyer's and the stock's row locks are let go at once
        raise
    order_id, total_fen, currency = order.id, order.total_fen, order.currency
    with kept_loaded():
        db.session.commit()  # the stock is taken; the provider is asked next, outside any transaction
    try:
        intent = provider.create_intent(
            order_id,
            total_fen,
            currency,
            method,
            key=f"order-{order_id}-payment",
            payer=payer,
        )
    except PaymentProviderUnavailable:
        db.session.expire_all()
        order = db.session.get_one(Order, order_id)
        close_unpaid(order, OrderStatus.CANCELLED, actor_id=None, reason=N_("payment provider unavailable"))
        db.session.commit()
        raise
    payment = Payment(
        order_id=order_id,
        provider=provider.name,
        provider_ref=intent.id,
        client_secret=intent.client_secret,
        qr_code=intent.qr_code,
        redirect_url=intent.redirect_url,
        method=method,
        amount_fen=total_fen,
        currency=currency,
    )
    db.session.add(payment)
    # The order and its payment are shown as written: nothing is read back.
    with kept_loaded():
        db.session.commit()
    return order, payment


def expire_reservations(at: datetime | None = None) -> int:
    """Orders unpaid past their reservation release their stock and their payment is cancelled."""
    expired = 0
    for order_id in orders.unpaid_past(at or now()):
        order = lock_order(order_id)
        if order.status != OrderStatus.PENDING_PAYMENT:
            db.session.rollback()
            continue
        reason = N_("unpaid when the reservation ran out")
        close_unpaid(order, OrderStatus.EXPIRED, actor_id=None, reason=reason)
        intent = _open_intent(order)
        db.session.commit()
        expired += 1
        _cancel_intent(intent, None, reason)
        db.session.commit()
    return expired


def cancel_order(actor: User, order_id: int) -> Order:
    """The buyer (or an admin) cancels before anything has shipped; a paid order is refunded in full."""
    order = orders.get_order(actor, order_id)
    if order.buyer_id != actor.id and not actor.is_admin:
        raise Forbidden(_("Only the buyer or an admin may cancel an order."))
    order = lock_order(order_id)
    if order.status == OrderStatus.PENDING_PAYMENT:
        actor_id, reason = actor.id, N_("cancelled before payment")
        close_unpaid(order, OrderStatus.CANCELLED, actor_id, reason=reason)
        intent = _open_intent(order)
        db.session.commit()
        _cancel_intent(intent, actor_id, reason)
        db.session.commit()
        return db.session.get_one(Order, order_id)
    if order.status != OrderStatus.PAID or any(
        f.status != FulfilmentStatus.PENDING for f in order.fulfilments
    ):
        raise Conflict(
            _(
                "A %(status)s order with goods on their way cannot be cancelled; ask for a refund.",
                status=name_of(ORDER_STATUS_NAMES, order.status),
            )
        )
    reason = N_("cancelled by the buyer before shipping")
    refund_id = refund_remaining(order, actor.id, reason=reason, restock=True)
    db.session.commit()
    if refund_id is not None:
        send_refund(refund_id)
    return db.session.get_one(Order, order_id)


def _open_intent(order: Order) -> tuple[int, str, str] | None:
    """(payment id, provider, intent id) of the order's payment still open at its provider, if any."""
    payment = latest_payment(order)
    if payment is None or payment.status != PaymentStatus.PENDING or payment.provider_ref is None:
        return None
    return payment.id, payment.provider, payment.provider_ref


def _cancel_intent(intent: tuple[int, str, str] | None, actor_id: int | None, reason: str) -> None:
    """Cancel an open payment at the provider (no transaction open) for whoever closed its order
    (None: the system), and why; the payment is canceled when the provider says it is, flushed for the
    caller to commit."""
    if intent is None:
        return
    payment_id, provider, intent_id = intent
    try:
        state = gateway(provider).cancel_intent(intent_id)
    except DomainError:
        return  # it stays open at the provider; a late success is refunded automatically
    if state.status == "canceled":
        payment = db.session.get_one(Payment, payment_id)
        lifecycle.move_payment(payment, PaymentStatus.CANCELED, actor_id, reason)
        db.session.flush()


def view_order(actor: User, order: Order, payment: Payment | None = None) -> dict[str, Any]:
    """What the caller may see of an order: a supplier sees only its own fulfilment and lines.
    `payment`: the order's latest, when the caller has it at hand (it is looked up otherwise)."""
    return view_orders(actor, [order], None if payment is None else {order.id: payment})[0]


def view_orders(
    actor: User, page: list[Order], payments: dict[int, Payment] | None = None
) -> list[dict[str, Any]]:
    """view_order for a page of orders, with one look-up of the caller's suppliers (none if the
    caller is an admin or bought every order) and one of payments (none if given)."""
    buyer_only = all(order.buyer_id == actor.id for order in page)
    mine = None if actor.is_admin or buyer_only else member_supplier_ids(actor)
    if payments is None:
        payments = _latest_payments([o.id for o in page])
    views = []
    for order in page:
        own = None if mine is None or order.buyer_id == actor.id else mine
        views.append(
            {
                "order": order,
                "lines": [line for line in order.lines if own is None or line.supplier_id in own],
                "fulfilments": [f for f in order.fulfilments if own is None or f.supplier_id in own],
                "payment": payments.get(order.id) if own is None else None,
            }
        )
    return views


def _latest_payments(order_ids: list[int]) -> dict[int, Payment]:
    """Each order's latest payment, in one query."""
    payments: dict[int, Payment] = {}
    for payment in db.session.scalars(
        select(Payment).where(Payment.order_id.in_(order_ids)).order_by(Payment.id)
    ):
        payments[payment.order_id] = payment  # the latest wins
    return payments


def order_history(actor: User, order_id: int) -> Sequence[AuditEvent | dict[str, Any]]:
    """The order's events as its view shows them: all of them to the buyer and admins; to a supplier,
    its own fulfilment's, refunds of its own lines, and the whole order's changes of status (without
    the payment, which its view leaves out)."""
    order = orders.get_order(actor, order_id)
    events = audit.history("orders", order.id)
    if actor.is_admin or order.buyer_id == actor.id:
        return events
    mine = member_supplier_ids(actor)
    own_fulfilments = {f.id for f in order.fulfilments if f.supplier_id in mine}
    own_lines = {str(line.id) for line in order.lines if line.supplier_id in mine}
    others = others_members({f.supplier_id for f in order.fulfilments}, mine)
    shown: list[AuditEvent | dict[str, Any]] = []
    for event in events:
        details = event.details or {}
        if "fulfilment_id" in details:
            if details["fulfilment_id"] not in own_fulfilments:
                continue
        elif "refund_id" in details:
            seen = _refund_seen(details, own_lines)
            if seen is None:
                continue
            details = seen
        else:
            details = {k: details[k] for k in ORDER_WIDE_DETAILS if k in details}
        shown.append(
            audit.shown_as(
                event,
                details=details,
                hide_actor=event.actor_id in others,
                hide_reason=event.action in PAYMENT_EVENTS,
            )
        )
    return shown


def _refund_seen(details: dict[str, Any], own_lines: set[str]) -> dict[str, Any] | None:
    """A refund event as a supplier sees it: in full when it refunds its lines only; its own lines
    alone when it refunds others' too; not at all when none of its lines. A refund of an amount is
    the whole order's: its amount is in refunded_fen."""
    refund = db.session.get_one(Refund, details["refund_id"])
    lines = {str(k): v for k, v in (refund.lines or {}).items()}
    if not lines:
        return {k: details[k] for k in ("refund_id", *ORDER_WIDE_DETAILS) if k in details}
    own = {k: v for k, v in lines.items() if k in own_lines}
    if not own:
        return None
    return details if own == lines else {"refund_id": details["refund_id"], "lines": own}
