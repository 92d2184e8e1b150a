"""The shop's order endpoints, on the one orders blueprint: here in payments, since placing, viewing
and cancelling an order and reading its history reach its payment (checkout.py). Its fulfilments'
list, shipping and delivery are the order's own (orders.services), kept on the same blueprint so that
every operation keeps its name (orders_*) and its place in the API's document."""

from collections.abc import Sequence
from typing import Any

from flask import request
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.audit.models import AuditEvent
from marketplace.audit.schemas import AuditEventSchema
from marketplace.idempotency import IDEMPOTENCY_DOC, idempotent
from marketplace.orders import services
from marketplace.orders.models import Fulfilment
from marketplace.orders.schemas import (
    FulfilmentQueryArgsSchema,
    FulfilmentSchema,
    OrderCreateSchema,
    OrderQueryArgsSchema,
    OrderSchema,
    ShipSchema,
    SupplierFulfilmentSchema,
)
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.payments import checkout
from marketplace.payments.gateways import Payer

blp = Blueprint("orders", __name__, description="网上商城订单：发货与退款")


def _caller_id() -> int:
    return require_user().id


@blp.route("/orders")
class Orders(MethodView):
    @blp.arguments(OrderQueryArgsSchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """订单列表

        The buyer's orders; a supplier's orders with its part in them (only that part); all for admins."""
        user = require_user()
        orders = page_of(services.list_orders(user, args.get("status")), pagination_parameters)
        return checkout.view_orders(user, orders)

    @idempotent(_caller_id)
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(
        409,
        description="Not enough stock (every short line is listed), or more than one buyer may hold "
        "unpaid: too many orders awaiting payment, or too much of a product (the line and its limit)",
    )
    @blp.doc(security=SECURITY, **IDEMPOTENCY_DOC)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """下单

        Place an order: stock is reserved and a payment opened; pay with `payment.client_secret`."""
        user = require_user()
        payer = Payer(body["payment_device"], request.remote_addr)
        order, payment = checkout.place_order(
            user, body["items"], body["shipping_address"], body["payment_method"], payer
        )
        return checkout.view_order(user, order, payment)


@blp.route("/orders/<int:order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderSchema)
    @blp.doc(security=SECURITY)
    def get(self, order_id: int) -> dict[str, Any]:
        """查看订单"""
        user = require_user()
        return checkout.view_order(user, services.get_order(user, order_id))


@blp.route("/orders/<int:order_id>/cancel")
class CancelOrder(MethodView):
    @blp.response(200, OrderSchema)
    @blp.doc(security=SECURITY)
    def post(self, order_id: int) -> dict[str, Any]:
        """取消订单

        Cancel before shipping: stock is released; a paid order is refunded in full."""
        user = require_user()
        return checkout.view_order(user, checkout.cancel_order(user, order_id))


@blp.route("/orders/<int:order_id>/history")
class OrderHistory(MethodView):
    @blp.response(200, AuditEventSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, order_id: int) -> Sequence[AuditEvent | dict[str, Any]]:
        """订单状态记录

        Every status change of the order: who, when, why."""
        return checkout.order_history(require_user(), order_id)


@blp.route("/fulfilments")
class Fulfilments(MethodView):
    @blp.arguments(FulfilmentQueryArgsSchema, location="query")
    @blp.response(200, SupplierFulfilmentSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """待履约订单列表

        The parts of paid orders the caller's suppliers fulfil (all for admins), with their lines and
        the shipping address: those to ship first, the longest waiting first; `?status=pending`."""
        stmt = services.list_fulfilments(require_user(), args.get("supplier_id"), args.get("status"))
        return services.view_fulfilments(page_of(stmt, pagination_parameters))


@blp.route("/fulfilments/<int:fulfilment_id>/ship")
class ShipFulfilment(MethodView):
    @blp.arguments(ShipSchema)
    @blp.response(200, FulfilmentSchema)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, str], fulfilment_id: int) -> Fulfilment:
        """发货"""
        return services.ship_fulfilment(require_user(), fulfilment_id, body["carrier"], body["tracking_no"])


@blp.route("/fulfilments/<int:fulfilment_id>/deliver")
class DeliverFulfilment(MethodView):
    @blp.response(200, FulfilmentSchema)
    @blp.doc(security=SECURITY)
    def post(self, fulfilment_id: int) -> Fulfilment:
        """确认送达"""
        return services.deliver_fulfilment(require_user(), fulfilment_id)
