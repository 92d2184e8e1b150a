"""Web-shop orders: placement with stock reservation, payment, expiry, cancellation, fulfilment."""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.catalog.stock import lock_stock, reserve
from marketplace.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import N_, _, name_of
from marketplace.orders import lifecycle
from marketplace.orders.models import (
    ORDER_STATUS_NAMES,
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from marketplace.orders.stock import close_unpaid, lock_order
from marketplace.payments.services import (
    cancel_intent_quietly,
    latest_payments,
    open_payment,
    refund_lines,
    refund_remaining,
    send_refund,
)
from marketplace.regions.services import require_region
from marketplace.suppliers.models import SupplierMember
from marketplace.suppliers.services import member_supplier_ids, others_members
from marketplace.timeutil import china_today, now


class TooManyUnpaidOrders(DomainError):
    status = 409
    error_code = "too_many_unpaid_orders"


class HoldLimitExceeded(DomainError):
    status = 409
    error_code = "order_limit_exceeded"


def place_order(buyer: User, items: list[dict], shipping: dict[str, str], method: str) -> Order:
    """Reserve stock for every line (all shortages reported at once) within what one buyer may hold
    unpaid, split into one fulfilment per supplier, and open a payment with the provider."""
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        wanted[item["product_id"]] += item["quantity"]
    region = require_region(shipping["region_code"], "shipping_address.region_code")
    if region.level not in ("county", "town"):
        raise InvalidField(
            "shipping_address", _("region_code must be a county (or town), where goods can go.")
        )
    ids = sorted(wanted)
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
    unknown = [i for i in ids if i not in products or not products[i].is_listed]
    if unknown:
        raise InvalidField("items", _("Not on sale: product %(ids)s.", ids=", ".join(map(str, unknown))))

    held = _unpaid_holds(buyer, ids)
    order = _build_order(buyer, products, wanted, region.code, shipping, method)
    db.session.add(order)
    db.session.flush()
    audit.record(order, "place", buyer.id, to_status=OrderStatus.PENDING_PAYMENT)
    db.session.flush()
    # The stock last, so that its row locks are held for as short a time as can be.
    stock = lock_stock(ids)
    _check_hold_limits(wanted, held, stock)
    reserve(wanted, "items", locked=stock)
    asked = (order.id, order.total_fen, order.currency, order.payment_method)
    db.session.commit()  # the stock is taken; the provider is asked next, outside any transaction
    return open_payment(*asked)


def _unpaid_holds(buyer: User, ids: list[int]) -> dict[int, int]:
    """Refuse a buyer with the most orders awaiting payment; else {product id: units} their unpaid
    orders hold of these products. The buyer's row is locked first, so that two checkouts of one
    buyer at once are counted one after the other."""
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update(key_share=True))
    most = current_app.config["ORDER_MAX_UNPAID_PER_BUYER"]
    unpaid = db.session.scalar(
        select(func.count()).where(Order.buyer_id == buyer.id, Order.status == OrderStatus.PENDING_PAYMENT)
    )
    if unpaid >= most:
        db.session.rollback()
        raise TooManyUnpaidOrders(
            _(
                "You have %(unpaid)s orders awaiting payment, the most one buyer may have at once "
                "(%(most)s); pay for or cancel one first.",
                unpaid=unpaid,
                most=most,
            )
        )
    return dict(
        db.session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.buyer_id == buyer.id,
                Order.status == OrderStatus.PENDING_PAYMENT,
                OrderLine.product_id.in_(ids),
            )
            .group_by(OrderLine.product_id)
        ).all()
    )


def _check_hold_limits(wanted: dict[int, int], held: dict[int, int], stock: dict[int, int]) -> None:
    """Of one product, a buyer's unpaid orders together hold at most ORDER_HOLD_MAX_UNITS and at
    most ORDER_HOLD_MAX_SHARE_BP of the stock they see (what is left plus what they hold), never
    less than one unit. Lines short of stock are left to reserve() to report as such."""
    config = current_app.config
    max_units, share_bp = config["ORDER_HOLD_MAX_UNITS"], config["ORDER_HOLD_MAX_SHARE_BP"]
    over: dict[str, list[str]] = {}
    for product_id, quantity in sorted(wanted.items()):
        left, mine = stock.get(product_id, 0), held.get(product_id, 0)
        if quantity > left:
            continue
        by_share = max(1, (left + mine) * share_bp // 10_000)
        most = min(max_units, by_share)
        if mine + quantity <= most:
            continue
        if max_units <= by_share:
            limit = _("%(units)s units", units=max_units)
        else:
            percent = f"{Decimal(share_bp).scaleb(-2).normalize():f}"
            limit = _("%(percent)s%% of the %(stock)s in stock", percent=percent, stock=left + mine)
        if mine:
            why = _(
                "At most %(most)s may wait unpaid in your orders (%(limit)s); %(held)s already do and "
                "%(asked)s asked for.",
                most=most,
                limit=limit,
                held=mine,
                asked=quantity,
            )
        else:
            why = _(
                "At most %(most)s may wait unpaid in your orders (%(limit)s); %(asked)s asked for.",
                most=most,
                limit=limit,
                asked=quantity,
            )
        over[str(product_id)] = [why]
    if over:
        db.session.rollback()
        raise HoldLimitExceeded(
            _(
                "Some lines ask for more than one buyer may hold without paying; pay for what you hold "
                "or ask for less."
            ),
            errors={"json": {"items": over}},
        )


def _build_order(
    buyer: User,
    products: dict[int, Product],
    wanted: dict[int, int],
    region_code: str,
    shipping: dict[str, str],
    method: str,
) -> Order:
    """The order at today's prices, one fulfilment per supplier; nothing is written."""
    today = china_today()
    order = Order(
        buyer_id=buyer.id,
        payment_method=method,
        status=OrderStatus.PENDING_PAYMENT,
        total_fen=sum(products[i].price_fen * q for i, q in wanted.items()),
        shipping_region_code=region_code,
        shipping_detail=shipping["detail"],
        shipping_recipient=shipping["recipient"],
        shipping_phone=shipping["phone"],
        reserved_until=now() + timedelta(minutes=current_app.config["RESERVATION_MINUTES"]),
    )
    by_supplier: dict[int, Fulfilment] = {}
    for product_id in sorted(wanted):
        product, quantity = products[product_id], wanted[product_id]
        fulfilment = by_supplier.get(product.supplier_id)
        if fulfilment is None:
            fulfilment = by_supplier[product.supplier_id] = Fulfilment(supplier_id=product.supplier_id)
            order.fulfilments.append(fulfilment)
        order.lines.append(
            OrderLine(
                fulfilment=fulfilment,
                product_id=product.id,
                supplier_id=product.supplier_id,
                product_name=product.name,
                unit=product.unit,
                unit_price_fen=product.price_fen,
                quantity=quantity,
                line_total_fen=product.price_fen * quantity,
                certificate_no=product.certificate_no if product.certified_on(today) else None,
            )
        )
    assert sum(line.line_total_fen for line in order.lines) == order.total_fen
    return order


def expire_reservations(at: datetime | None = None) -> int:
    """Orders unpaid past their reservation release their stock and their payment is cancelled."""
    at = at or now()
    due = list(
        db.session.scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.reserved_until < at)
            .order_by(Order.id)
        )
    )
    expired = 0
    for order_id in due:
        order = lock_order(order_id)
        if order.status != OrderStatus.PENDING_PAYMENT:
            db.session.rollback()
            continue
        close_unpaid(
            order, OrderStatus.EXPIRED, actor_id=None, reason=N_("unpaid when the reservation ran out")
        )
        db.session.commit()
        expired += 1
        cancel_intent_quietly(order_id)
    return expired


def cancel_order(actor: User, order_id: int) -> Order:
    """The buyer (or an admin) cancels before anything has shipped; a paid order is refunded in full."""
    order = get_order(actor, order_id)
    if order.buyer_id != actor.id and not actor.is_admin:
        raise Forbidden(_("Only the buyer or an admin may cancel an order."))
    order = lock_order(order_id)
    if order.status == OrderStatus.PENDING_PAYMENT:
        close_unpaid(order, OrderStatus.CANCELLED, actor.id, reason=N_("cancelled before payment"))
        db.session.commit()
        cancel_intent_quietly(order_id)
        return db.session.get(Order, order_id)
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
    return db.session.get(Order, order_id)


def ship_fulfilment(actor: User, fulfilment_id: int, carrier: str, tracking_no: str) -> Fulfilment:
    fulfilment = _own_fulfilment(actor, fulfilment_id)
    lifecycle.ship(fulfilment, actor.id, carrier, tracking_no)
    db.session.commit()
    return fulfilment


def deliver_fulfilment(actor: User, fulfilment_id: int) -> Fulfilment:
    fulfilment = _own_fulfilment(actor, fulfilment_id)
    lifecycle.deliver(fulfilment, actor.id)
    db.session.commit()
    return fulfilment


def _own_fulfilment(actor: User, fulfilment_id: int) -> Fulfilment:
    fulfilment = db.session.get(Fulfilment, fulfilment_id)
    if fulfilment is None or not (actor.is_admin or fulfilment.supplier_id in member_supplier_ids(actor)):
        raise NotFound(_("No fulfilment %(id)s of yours.", id=fulfilment_id))
    return fulfilment


def get_order(actor: User, order_id: int) -> Order:
    """The buyer's own order, a supplier's order with its part in it, or any order for an admin."""
    order = db.session.get(Order, order_id)
    if order is None or not (
        actor.is_admin
        or order.buyer_id == actor.id
        or member_supplier_ids(actor) & {f.supplier_id for f in order.fulfilments}
    ):
        raise NotFound(_("No order %(id)s.", id=order_id))
    return order


def view_order(actor: User, order: Order) -> dict[str, Any]:
    """What the caller may see of an order: a supplier sees only its own fulfilment and lines."""
    return view_orders(actor, [order])[0]


def view_orders(actor: User, orders: list[Order]) -> list[dict[str, Any]]:
    """view_order for a page of orders, with one look-up of the caller's suppliers and one of payments."""
    mine = None if actor.is_admin else member_supplier_ids(actor)
    payments = latest_payments([o.id for o in orders])
    views = []
    for order in orders:
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


def list_orders(actor: User, status: str | None) -> Select[tuple[Order]]:
    stmt = select(Order).order_by(Order.id.desc())
    if not actor.is_admin:
        supplier_orders = select(Fulfilment.order_id).where(
            Fulfilment.supplier_id.in_(
                select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
            )
        )
        stmt = stmt.where(or_(Order.buyer_id == actor.id, Order.id.in_(supplier_orders)))
    if status:
        stmt = stmt.where(Order.status == status)
    return stmt


# What a supplier reads of the events about the whole order: its view shows paid_fen and refunded_fen.
ORDER_WIDE_DETAILS = ("amount_fen",)
# Their reasons speak of the buyer's payment (what was received, in which currency), which a
# supplier's view of the order leaves out.
PAYMENT_EVENTS = ("payment_rejected",)


def order_history(actor: User, order_id: int) -> list:
    """The order's events as its view shows them: all of them to the buyer and admins; to a supplier,
    its own fulfilment's, refunds of its own lines, and the whole order's changes of status (without
    the payment, which its view leaves out)."""
    order = get_order(actor, order_id)
    events = audit.history("orders", order.id)
    if actor.is_admin or order.buyer_id == actor.id:
        return events
    mine = member_supplier_ids(actor)
    own_fulfilments = {f.id for f in order.fulfilments if f.supplier_id in mine}
    own_lines = {str(line.id) for line in order.lines if line.supplier_id in mine}
    others = others_members({f.supplier_id for f in order.fulfilments}, mine)
    shown = []
    for event in events:
        details = event.details or {}
        if "fulfilment_id" in details:
            if details["fulfilment_id"] not in own_fulfilments:
                continue
        elif "refund_id" in details:
            details = _refund_seen(details, own_lines)
            if details is None:
                continue
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
    lines = refund_lines(details["refund_id"])
    if not lines:
        return {k: details[k] for k in ("refund_id", *ORDER_WIDE_DETAILS) if k in details}
    own = {k: v for k, v in lines.items() if k in own_lines}
    if not own:
        return None
    return details if own == lines else {"refund_id": details["refund_id"], "lines": own}
