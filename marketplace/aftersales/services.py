"""After-sales use cases: the buyer asks, the supplier of the lines (or an admin) decides, and an
accepted request runs the refund payments already make (refund_order), for exactly its lines."""

import uuid
from typing import Any

from flask import current_app
from sqlalchemy import Select, false, or_, select

from marketplace.accounts.models import User
from marketplace.aftersales.models import (
    AFTER_SALES_STATUS_NAMES,
    AfterSalesPhoto,
    AfterSalesRequest,
    AfterSalesStatus,
)
from marketplace.audit import services as audit
from marketplace.catalog.services import IMAGE_TYPES, TooLarge, UnsupportedImage, sniff_image
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _, name_of
from marketplace.orders.models import ORDER_STATUS_NAMES, Order, OrderStatus
from marketplace.orders.services import get_order
from marketplace.payments.models import Refund
from marketplace.payments.services import refund_order
from marketplace.storage import storage
from marketplace.suppliers.services import member_supplier_ids
from marketplace.timeutil import now

PHOTOS_PER_REQUEST = 6


def request_after_sales(
    buyer: User, order_id: int, lines: list[dict[str, int]], reason: str
) -> AfterSalesRequest:
    """Ask for lines of one supplier back: only the order's buyer, only on a paid order, never more
    than is left unrefunded and not already asked for."""
    order = get_order(buyer, order_id)
    if order.buyer_id != buyer.id:
        raise Forbidden(_("Only the buyer of an order asks for after-sales."))
    db.session.execute(select(Order.id).where(Order.id == order_id).with_for_update())
    db.session.refresh(order)
    if order.status not in (OrderStatus.PAID, OrderStatus.COMPLETED):
        raise Conflict(
            _(
                "A %(status)s order has nothing to ask back.",
                status=name_of(ORDER_STATUS_NAMES, order.status),
            )
        )
    by_id = {line.id: line for line in order.lines}
    asked: dict[int, int] = {}
    for i, item in enumerate(lines):
        line = by_id.get(item["line_id"])
        if line is None:
            raise InvalidField(
                "lines", _("[%(index)s] line %(line)s is not on this order.", index=i, line=item["line_id"])
            )
        asked[line.id] = asked.get(line.id, 0) + item["quantity"]
        left = line.quantity - line.refunded_quantity
        if asked[line.id] > left:
            raise InvalidField(
                "lines",
                _(
                    "[%(index)s] only %(left)s of line %(line)s can still be refunded.",
                    index=i,
                    left=left,
                    line=line.id,
                ),
            )
    suppliers = {by_id[line_id].supplier_id for line_id in asked}
    if len(suppliers) != 1:
        raise InvalidField("lines", _("Ask each supplier on its own: these lines come from several."))
    supplier_id = suppliers.pop()
    if _open_request(order.id, supplier_id) is not None:
        raise Conflict(_("A request to this supplier on this order awaits its answer already."))
    request = AfterSalesRequest(
        order_id=order.id,
        supplier_id=supplier_id,
        buyer_id=buyer.id,
        lines={str(line_id): quantity for line_id, quantity in asked.items()},
        amount_fen=sum(by_id[line_id].unit_price_fen * quantity for line_id, quantity in asked.items()),
        reason=reason,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        request,
        "request",
        buyer.id,
        to_status=AfterSalesStatus.REQUESTED,
        reason=reason,
        details={"order_id": order.id, "lines": request.lines, "amount_fen": request.amount_fen},
    )
    db.session.commit()
    return request


def _open_request(order_id: int, supplier_id: int) -> AfterSalesRequest | None:
    return db.session.scalar(
        select(AfterSalesRequest).where(
            AfterSalesRequest.order_id == order_id,
            AfterSalesRequest.supplier_id == supplier_id,
            AfterSalesRequest.status == AfterSalesStatus.REQUESTED,
        )
    )


def list_requests(
    actor: User, status: str | None, supplier_id: int | None = None, order_id: int | None = None
) -> Select[Any]:
    """The buyer's own requests and those to the caller's suppliers (of one order if asked); every
    request for an admin. With `supplier_id`, only those to that supplier (none if it is not the
    caller's)."""
    query = select(AfterSalesRequest).order_by(AfterSalesRequest.id.desc())
    mine = None if actor.is_admin else member_supplier_ids(actor)
    if supplier_id is not None:
        # As that supplier's member: its requests only, not those the caller made as a buyer.
        query = query.where(AfterSalesRequest.supplier_id == supplier_id)
        if mine is not None and supplier_id not in mine:
            query = query.where(false())
    elif mine is not None:
        query = query.where(
            or_(AfterSalesRequest.buyer_id == actor.id, AfterSalesRequest.supplier_id.in_(mine))
        )
    if status:
        query = query.where(AfterSalesRequest.status == status)
    if order_id is not None:
        query = query.where(AfterSalesRequest.order_id == order_id)
    return query


def get_request(actor: User, request_id: int, *, lock: bool = False) -> AfterSalesRequest:
    """A request its buyer, its supplier's members and admins see; to anyone else it does not exist."""
    query = select(AfterSalesRequest).where(AfterSalesRequest.id == request_id)
    request = db.session.scalar(query.with_for_update() if lock else query)
    if request is None or not (
        actor.is_admin or request.buyer_id == actor.id or request.supplier_id in member_supplier_ids(actor)
    ):
        raise NotFound(_("No after-sales request %(id)s.", id=request_id))
    if lock:
        db.session.refresh(request)
    return request


def _deciding(actor: User, request_id: int) -> AfterSalesRequest:
    request = get_request(actor, request_id, lock=True)
    if not (actor.is_admin or request.supplier_id in member_supplier_ids(actor)):
        raise Forbidden(_("The supplier or an admin answers an after-sales request."))
    _require_open(request)
    return request


def _require_open(request: AfterSalesRequest) -> None:
    if request.status != AfterSalesStatus.REQUESTED:
        raise Conflict(
            _(
                "This request is %(status)s already.",
                status=name_of(AFTER_SALES_STATUS_NAMES, request.status),
            )
        )


def _decide(request: AfterSalesRequest, to: AfterSalesStatus, actor: User, comment: str | None) -> None:
    from_status = request.status
    request.status, request.comment = to, comment
    request.decided_by_id, request.decided_at = actor.id, now()
    audit.record(request, to, actor.id, from_status=from_status, to_status=to, reason=comment)


def accept(actor: User, request_id: int, comment: str | None) -> AfterSalesRequest:
    """Accept and refund exactly the request's lines. refund_order commits the decision with the
    refund it records (and refuses both if the order can no longer be refunded), then asks the
    provider; the refund's id is kept on the request after."""
    request = _deciding(actor, request_id)
    _decide(request, AfterSalesStatus.ACCEPTED, actor, comment)
    lines = [{"line_id": int(line_id), "quantity": quantity} for line_id, quantity in request.lines.items()]
    refund = refund_order(actor, request.order_id, lines, None)
    request = db.session.get_one(AfterSalesRequest, request_id)
    request.refund_id = refund.id
    db.session.commit()
    return request


def reject(actor: User, request_id: int, comment: str) -> AfterSalesRequest:
    request = _deciding(actor, request_id)
    _decide(request, AfterSalesStatus.REJECTED, actor, comment)
    db.session.commit()
    return request


def withdraw(actor: User, request_id: int) -> AfterSalesRequest:
    request = get_request(actor, request_id, lock=True)
    if request.buyer_id != actor.id:
        raise Forbidden(_("Only the buyer withdraws an after-sales request."))
    _require_open(request)
    _decide(request, AfterSalesStatus.WITHDRAWN, actor, None)
    db.session.commit()
    return request


def add_photo(actor: User, request_id: int, data: bytes) -> AfterSalesPhoto:
    """A photo of what arrived (JPEG, PNG or WebP, told by its bytes), while the request is open."""
    request = get_request(actor, request_id, lock=True)
    if request.buyer_id != actor.id:
        raise Forbidden(_("Only the buyer adds photos to an after-sales request."))
    _require_open(request)
    limit = current_app.config["IMAGE_MAX_BYTES"]
    if len(data) > limit:
        raise TooLarge(_("An image may be at most %(kib)s KiB.", kib=limit // 1024))
    content_type = sniff_image(data)
    if content_type is None:
        raise UnsupportedImage(_("Only JPEG, PNG and WebP images are accepted."))
    if len(request.photos) >= PHOTOS_PER_REQUEST:
        raise Conflict(_("A request has at most %(count)s photos.", count=PHOTOS_PER_REQUEST))
    key = f"{uuid.uuid4().hex}.{IMAGE_TYPES[content_type]}"
    storage().save(key, data)
    photo = AfterSalesPhoto(key=key, content_type=content_type, size_bytes=len(data))
    request.photos.append(photo)
    db.session.commit()
    return photo


def read_photo(actor: User, request_id: int, photo_id: int) -> tuple[bytes, str]:
    request = get_request(actor, request_id)
    photo = next((p for p in request.photos if p.id == photo_id), None)
    data = storage().read(photo.key) if photo else None
    if photo is None or data is None:
        raise NotFound(_("No photo %(photo)s on request %(id)s.", photo=photo_id, id=request_id))
    return data, photo.content_type


def view(request: AfterSalesRequest) -> dict[str, Any]:
    """The request with its lines as bought (name, unit price) and its refund's state."""
    order = db.session.get_one(Order, request.order_id)
    by_id = {line.id: line for line in order.lines}
    refund = db.session.get(Refund, request.refund_id) if request.refund_id is not None else None
    lines = [(by_id[int(line_id)], quantity) for line_id, quantity in request.lines.items()]
    return {
        "request": request,
        "lines": [
            {
                "line_id": line.id,
                "product_name": line.product_name,
                "unit_price_fen": line.unit_price_fen,
                "quantity": quantity,
            }
            for line, quantity in lines
        ],
        "refund_status": refund.status if refund else None,
    }
