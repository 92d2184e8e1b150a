from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from marketplace.i18n import N_
from marketplace.orders.models import PAYMENT_METHODS, FulfilmentStatus, OrderStatus
from marketplace.schemas import Phone, QueryArgsSchema, RegionCode, Text, Timestamp, Translated, WholeNumber


def payment_device() -> fields.String:
    return fields.String(
        load_default="desktop",
        validate=validate.OneOf(("desktop", "mobile")),
        metadata={
            "description": "where the buyer pays: on a desktop WeChat Pay shows a QR code "
            "(`payment.qr_code`), in a phone's browser it sends the buyer to its page "
            "(`payment.redirect_url`)"
        },
    )


class OrderItemSchema(ma.Schema):
    product_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=10_000))


class ShippingAddressSchema(ma.Schema):
    region_code = RegionCode(required=True)
    detail = Text(required=True, validate=validate.Length(min=2, max=200))
    recipient = Text(required=True, validate=validate.Length(min=1, max=50))
    phone = Phone(required=True)


class OrderCreateSchema(ma.Schema):
    items = fields.List(
        fields.Nested(OrderItemSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    shipping_address = fields.Nested(ShippingAddressSchema, required=True)
    payment_method = fields.String(
        required=True,
        validate=validate.OneOf(PAYMENT_METHODS),
        metadata={"description": "one of those GET /payment-methods offers"},
    )
    payment_device = payment_device()


class OrderLineSchema(ma.Schema):
    id = WholeNumber()
    product_id = WholeNumber()
    supplier_id = WholeNumber()
    fulfilment_id = WholeNumber()
    product_name = fields.String()
    unit = fields.String()
    unit_price_fen = WholeNumber()
    quantity = WholeNumber()
    line_total_fen = WholeNumber()
    refunded_quantity = WholeNumber()
    certificate_no = fields.String(allow_none=True)


class FulfilmentSchema(ma.Schema):
    id = WholeNumber()
    supplier_id = WholeNumber()
    supplier_name = fields.String(attribute="supplier.name")
    status = fields.String()
    carrier = fields.String(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    shipped_at = Timestamp(allow_none=True)
    delivered_at = Timestamp(allow_none=True)


class PaymentViewSchema(ma.Schema):
    provider = fields.String()
    method = fields.String()
    payment_intent_id = fields.String(attribute="provider_ref")
    client_secret = fields.String(allow_none=True)
    qr_code = fields.String(
        allow_none=True, metadata={"description": "the content of a QR code for the buyer to scan and pay"}
    )
    redirect_url = fields.String(allow_none=True, metadata={"description": "the provider's page to pay on"})
    status = fields.String()
    amount_fen = WholeNumber()
    failure_reason = Translated(
        allow_none=True, metadata={"description": "why a payment the provider took did not pay the order"}
    )
    publishable_key = fields.Function(
        lambda p: current_app.config["STRIPE_PUBLISHABLE_KEY"] if p.provider == "stripe" else None,
        allow_none=True,
        metadata={
            "type": "string",
            "description": "Stripe's publishable key, for Stripe.js's Payment Element; null for others",
        },
    )


class ShippingAddressViewSchema(ma.Schema):
    """Where an order goes, as it was given when the order was placed."""

    region_code = fields.String(attribute="shipping_region_code")
    detail = fields.String(attribute="shipping_detail")
    recipient = fields.String(attribute="shipping_recipient")
    phone = fields.String(attribute="shipping_phone")


class OrderSchema(ma.Schema):
    """An order as the caller may see it (a supplier: its own fulfilment and lines only)."""

    id = WholeNumber(attribute="order.id")
    status = fields.String(attribute="order.status")
    buyer_id = WholeNumber(attribute="order.buyer_id")
    total_fen = WholeNumber(attribute="order.total_fen")
    paid_fen = WholeNumber(attribute="order.paid_fen")
    refunded_fen = WholeNumber(attribute="order.refunded_fen")
    currency = fields.String(attribute="order.currency")
    payment_method = fields.String(attribute="order.payment_method")
    shipping_address = fields.Nested(ShippingAddressViewSchema, attribute="order")
    reserved_until = Timestamp(attribute="order.reserved_until")
    created_at = Timestamp(attribute="order.created_at")
    paid_at = Timestamp(attribute="order.paid_at", allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    fulfilments = fields.List(fields.Nested(FulfilmentSchema))
    payment = fields.Nested(PaymentViewSchema, allow_none=True)


class OrderQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(list(OrderStatus)))


class ShipSchema(ma.Schema):
    carrier = Text(required=True, validate=validate.Length(min=1, max=50))
    tracking_no = Text(
        required=True,
        validate=[
            validate.Length(min=1, max=50),
            # As carriers print them (SF1234567890123, YT7001234567890, JDVA01234567890-1-1).
            validate.Regexp(
                r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$",
                error=N_("Must be letters and digits, as the carrier prints it (hyphens between)."),
            ),
        ],
    )


class FulfilmentQueryArgsSchema(QueryArgsSchema):
    supplier_id = WholeNumber(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "one of the caller's suppliers (an admin: any)"},
    )
    status = fields.String(
        validate=validate.OneOf(list(FulfilmentStatus)),
        metadata={"description": "pending: paid and to ship"},
    )


class FulfilmentShippingAddressSchema(ma.Schema):
    region_code = fields.String()
    region_names = fields.List(
        fields.String(), metadata={"description": "the region and its ancestors, widest first"}
    )
    detail = fields.String()
    recipient = fields.String()
    phone = fields.String()


class SupplierFulfilmentSchema(ma.Schema):
    """A supplier's part of a paid order, as it fulfils it: its lines and where they go."""

    id = WholeNumber(attribute="fulfilment.id")
    order_id = WholeNumber(attribute="fulfilment.order_id")
    supplier_id = WholeNumber(attribute="fulfilment.supplier_id")
    status = fields.String(attribute="fulfilment.status", metadata={"enum": list(FulfilmentStatus)})
    carrier = fields.String(attribute="fulfilment.carrier", allow_none=True)
    tracking_no = fields.String(attribute="fulfilment.tracking_no", allow_none=True)
    shipped_at = Timestamp(attribute="fulfilment.shipped_at", allow_none=True)
    delivered_at = Timestamp(attribute="fulfilment.delivered_at", allow_none=True)
    order_status = fields.String(attribute="fulfilment.order.status", metadata={"enum": list(OrderStatus)})
    paid_at = Timestamp(attribute="fulfilment.order.paid_at")
    lines = fields.List(fields.Nested(OrderLineSchema), attribute="fulfilment.lines")
    amount_fen = WholeNumber(metadata={"description": "the part's lines as bought"})
    refunded_fen = WholeNumber(metadata={"description": "what of the part's lines was refunded"})
    shipping_address = fields.Nested(FulfilmentShippingAddressSchema)


class RefundLineSchema(ma.Schema):
    line_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=10_000))


class RefundCreateSchema(ma.Schema):
    lines = fields.List(fields.Nested(RefundLineSchema), validate=validate.Length(min=1, max=100))
    amount_fen = WholeNumber(validate=validate.Range(min=1, max=10**11))

    @ma.validates_schema
    def one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("lines" in data) == ("amount_fen" in data):
            raise ma.ValidationError(N_("Give either lines or amount_fen."), "lines")


class RefundSchema(ma.Schema):
    id = WholeNumber()
    order_id = WholeNumber()
    amount_fen = WholeNumber()
    lines = fields.Dict()
    status = fields.String()
    reason = Translated(allow_none=True)
    failure_reason = Translated(allow_none=True, metadata={"description": "why the refund failed"})
    created_at = Timestamp()


class DevConfirmSchema(ma.Schema):
    succeed = fields.Boolean(load_default=True)
