import marshmallow as ma
from marshmallow import fields, validate

from marketplace.i18n import N_
from marketplace.orders.models import PAYMENT_METHODS, OrderStatus
from marketplace.schemas import Phone, QueryArgsSchema, RegionCode, Text, Timestamp, Translated, WholeNumber


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
    status = fields.String()
    amount_fen = WholeNumber()
    failure_reason = Translated(
        allow_none=True, metadata={"description": "why a payment the provider took did not pay the order"}
    )


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
    shipping_address = fields.Function(
        lambda v: {
            "region_code": v["order"].shipping_region_code,
            "detail": v["order"].shipping_detail,
            "recipient": v["order"].shipping_recipient,
            "phone": v["order"].shipping_phone,
        }
    )
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
    tracking_no = Text(required=True, validate=validate.Length(min=1, max=50))


class RefundLineSchema(ma.Schema):
    line_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=10_000))


class RefundCreateSchema(ma.Schema):
    lines = fields.List(fields.Nested(RefundLineSchema), validate=validate.Length(min=1, max=100))
    amount_fen = WholeNumber(validate=validate.Range(min=1, max=10**11))

    @ma.validates_schema
    def one_of(self, data, **kwargs):
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
