"""Web-shop orders, what is their own: an order built with its stock reserved, its fulfilments shipped
and delivered, who may see which. What reaches the payment (placing, cancelling, expiry, the order's
view and history) is checkout's, in payments/checkout.py."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from flask import current_app
from sqlalchemy import Select, case, func, null, or_, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.catalog.stock import reserve
from marketplace.errors import DomainError, InvalidField, NotFound
from marketplace.extensions import db, in_ids
from marketplace.i18n import _
from marketplace.orders import lifecycle
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderLine, OrderStatus
from marketplace.regions.services import name_paths, require_region
from marketplace.suppliers.models import SupplierMember
from marketplace.suppliers.services import member_supplier_ids
from marketplace.timeutil import china_today, now


class TooManyUnpaidOrders(DomainError):
    status = 409
    error_code = "too_many_unpaid_orders"


class HoldLimitExceeded(DomainError):
    status = 409
    error_code = "order_limit_exceeded"


def reserve_order(buyer: User, items: list[dict[str, int]], shipping: dict[str, str], method: str) -> Order:
    """The order, written with its stock reserved for every line (all shortages reported at once)
    within what one buyer may hold unpaid, one fulfilment per supplier; flushed, for checkout
    (payments/checkout.py) to commit before it opens the payment."""
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        wanted[item["product_id"]] += item["quantity"]
    region = require_region(shipping["region_code"], "shipping_address.region_code")
    if region.level not in ("county", "town"):
        raise InvalidField(
            "shipping_address", _("region_code must be a county (or town), where goods can go.")
        )
    ids = sorted(wanted)
    # Only what an order line copies: no images, origin or category.
    products = {
        p.id: p
        for p in db.session.scalars(
            select(Product)
            .where(in_ids(Product.id, ids))
            .options(lazyload("*"), joinedload(Product.supplier))
        )
    }
    unknown = [i for i in ids if i not in products or not products[i].is_listed]
    if unknown:
        raise InvalidField("items", _("Not on sale: product %(ids)s.", ids=", ".join(map(str, unknown))))

    order = _build_order(buyer, products, wanted, region.code, shipping, method)
    db.session.add(order)
    db.session.flush()
    audit.record(order, "place", buyer.id, to_status=OrderStatus.PENDING_PAYMENT)
    db.session.flush()
    # The locks last, the buyer's then the stock's, so that they are held for as short a time as can be.
    held = _unpaid_holds(buyer, order.id, ids)
    reserve(wanted, "items", check=lambda stock: _check_hold_limits(wanted, held, stock))
    return order


def _unpaid_holds(buyer: User, order_id: int, ids: list[int]) -> dict[int, int]:
    """Refuse a buyer with the most orders awaiting payment; else {product id: units} their unpaid
    orders hold of these products, this order (`order_id`, just written) aside. The buyer's row is
    locked first, so that two checkouts of one buyer at once are counted one after the other: the
    count is a statement of its own after the lock, so that it sees what the other one committed."""
    db.session.execute(select(User.id).where(User.id == buyer.id).with_for_update(key_share=True))
    unpaid = (Order.buyer_id == buyer.id, Order.status == OrderStatus.PENDING_PAYMENT, Order.id != order_id)
    # One round trip: a row per product held, and one with no product carrying the count of orders.
    rows = cast(
        Sequence[tuple[int | None, int]],
        db.session.execute(
            union_all(
                select(OrderLine.product_id, func.sum(OrderLine.quantity))
                .join(Order, Order.id == OrderLine.order_id)
                .where(*unpaid, in_ids(OrderLine.product_id, ids))
                .group_by(OrderLine.product_id),
                select(null(), func.count()).select_from(Order).where(*unpaid),
            )
        ).all(),
    )
    held = {product_id: int(units) for product_id, units in rows if product_id is not None}
    count = next(units for product_id, units in rows if product_id is None)
    most = current_app.config["ORDER_MAX_UNPAID_PER_BUYER"]
    if count >= most:
        raise TooManyUnpaidOrders(
            _(
                "You have %(unpaid)s orders awaiting payment, the most one buyer may have at once "
                "(%(most)s); pay for or cancel one first.",
                unpaid=count,
                most=most,
            )
        )
    return held


def _check_hold_limits(wanted: dict[int, int], held: dict[int, int], stock: dict[int, int]) -> None:
    """Of one product, a buyer's unpaid orders together hold at most ORDER_HOLD_MAX_UNITS and at
    most ORDER_HOLD_MAX_SHARE_BP of the stock they see (what is left plus what they hold), never
    less than one unit. Lines short of stock are left to reserve() to report as such; `stock` is
    each product's before this order took it."""
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
            fulfilment = by_supplier[product.supplier_id] = Fulfilment(
                supplier_id=product.supplier_id, supplier=product.supplier
            )
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


def list_orders(actor: User, status: str | None) -> Select[Order]:
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


def list_fulfilments(actor: User, supplier_id: int | None, status: str | None) -> Select[Fulfilment]:
    """The parts of paid orders the caller's suppliers fulfil (an admin: every supplier's), those to
    ship first and the longest waiting first among them, then the others newest first."""
    stmt = (
        select(Fulfilment)
        .join(Fulfilment.order)
        .where(Order.paid_at.is_not(None))
        .options(contains_eager(Fulfilment.order), selectinload(Fulfilment.lines))
        .order_by(
            case(
                (Fulfilment.status == FulfilmentStatus.PENDING, 0),
                (Fulfilment.status == FulfilmentStatus.SHIPPED, 1),
                else_=2,
            ),
            case((Fulfilment.status == FulfilmentStatus.PENDING, Fulfilment.id), else_=-Fulfilment.id),
        )
    )
    if not actor.is_admin:
        stmt = stmt.where(
            Fulfilment.supplier_id.in_(
                select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
            )
        )
    if supplier_id is not None:
        stmt = stmt.where(Fulfilment.supplier_id == supplier_id)
    if status:
        stmt = stmt.where(Fulfilment.status == status)
    return stmt


def view_fulfilments(page: list[Fulfilment]) -> list[dict[str, Any]]:
    """Each part with what it comes to and where it goes, the regions named in one query."""
    paths = name_paths(f.order.shipping_region_code for f in page)
    return [
        {
            "fulfilment": f,
            "amount_fen": sum(line.line_total_fen for line in f.lines),
            "refunded_fen": sum(line.unit_price_fen * line.refunded_quantity for line in f.lines),
            "shipping_address": {
                "region_code": f.order.shipping_region_code,
                "region_names": paths.get(f.order.shipping_region_code, []),
                "detail": f.order.shipping_detail,
                "recipient": f.order.shipping_recipient,
                "phone": f.order.shipping_phone,
            },
        }
        for f in page
    ]


def unpaid_past(at: datetime) -> list[int]:
    """The orders still awaiting payment whose reservation ran out before `at`, oldest first."""
    return list(
        db.session.scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.reserved_until < at)
            .order_by(Order.id)
        )
    )
