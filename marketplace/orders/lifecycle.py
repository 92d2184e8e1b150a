"""The one writer of an order's status and its fulfilments': every change is checked against the moves
allowed here and recorded with its audit event here, so the history is the status's own account."""

from collections.abc import Collection, Mapping
from typing import Any

from marketplace.audit import services as audit
from marketplace.errors import Conflict
from marketplace.i18n import _, name_of
from marketplace.orders.events import fulfilment_shipped
from marketplace.orders.models import (
    FULFILMENT_STATUS_NAMES,
    ORDER_STATUS_NAMES,
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
)
from marketplace.timeutil import now

ORDER_MOVES = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    # Paid late, with the stock reserved again.
    OrderStatus.EXPIRED: {OrderStatus.PAID},
    OrderStatus.PAID: {OrderStatus.CANCELLED, OrderStatus.COMPLETED},
}
FULFILMENT_MOVES = {
    FulfilmentStatus.PENDING: {FulfilmentStatus.SHIPPED, FulfilmentStatus.CANCELLED},
    FulfilmentStatus.SHIPPED: {FulfilmentStatus.DELIVERED},
}
# An order's timestamp of entering each status.
STAMPED = {OrderStatus.PAID: "paid_at", OrderStatus.CANCELLED: "closed_at", OrderStatus.EXPIRED: "closed_at"}


def move(
    order: Order,
    to: OrderStatus,
    actor_id: int | None,
    action: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the order to `to` (409 if that is no move from where it is), with its audit event."""
    from_status = order.status
    _require_move(ORDER_MOVES, ORDER_STATUS_NAMES, from_status, to)
    order.status = to
    if to in STAMPED:
        setattr(order, STAMPED[to], now())
    audit.record(
        order, action, actor_id, from_status=from_status, to_status=to, reason=reason, details=details
    )


def cancel_paid(order: Order, actor_id: int, reason: str) -> None:
    """A paid order nothing of which has shipped ends: its fulfilments with it."""
    for fulfilment in order.fulfilments:
        _move_fulfilment(fulfilment, FulfilmentStatus.CANCELLED)
    move(order, OrderStatus.CANCELLED, actor_id, "cancel", reason=reason)


def ship(fulfilment: Fulfilment, actor_id: int, carrier: str, tracking_no: str) -> None:
    """Only a pending part of a paid order ships; the order stays paid."""
    order = fulfilment.order
    if order.status != OrderStatus.PAID or fulfilment.status != FulfilmentStatus.PENDING:
        raise Conflict(
            _(
                "Only a pending part of a paid order ships (this one is %(part)s, the order %(order)s).",
                part=fulfilment.status,
                order=order.status,
            )
        )
    _move_fulfilment(fulfilment, FulfilmentStatus.SHIPPED)
    fulfilment.carrier, fulfilment.tracking_no, fulfilment.shipped_at = carrier, tracking_no, now()
    audit.record(
        order,
        "ship",
        actor_id,
        from_status=OrderStatus.PAID,
        to_status=OrderStatus.PAID,
        details={"fulfilment_id": fulfilment.id, "carrier": carrier, "tracking_no": tracking_no},
    )
    fulfilment_shipped.send(fulfilment, order=order)


def deliver(fulfilment: Fulfilment, actor_id: int) -> None:
    """A shipped part arrives; with the last part delivered, the order is completed."""
    if fulfilment.status != FulfilmentStatus.SHIPPED:
        raise Conflict(
            _(
                "Only a shipped part can be delivered (this one is %(status)s).",
                status=name_of(FULFILMENT_STATUS_NAMES, fulfilment.status),
            )
        )
    _move_fulfilment(fulfilment, FulfilmentStatus.DELIVERED)
    fulfilment.delivered_at = now()
    order = fulfilment.order
    details = {"fulfilment_id": fulfilment.id}
    if all(f.status in (FulfilmentStatus.DELIVERED, FulfilmentStatus.CANCELLED) for f in order.fulfilments):
        move(order, OrderStatus.COMPLETED, actor_id, "deliver", details=details)
    else:
        audit.record(
            order, "deliver", actor_id, from_status=order.status, to_status=order.status, details=details
        )


def _move_fulfilment(fulfilment: Fulfilment, to: FulfilmentStatus) -> None:
    _require_move(FULFILMENT_MOVES, FULFILMENT_STATUS_NAMES, fulfilment.status, to)
    fulfilment.status = to


def _require_move(
    moves: Mapping[Any, Collection[str]], names: Mapping[Any, str], from_status: str, to: str
) -> None:
    if to not in moves.get(from_status, ()):
        raise Conflict(
            _(
                "Cannot go from %(from_status)s to %(to_status)s.",
                from_status=name_of(names, from_status),
                to_status=name_of(names, to),
            )
        )
