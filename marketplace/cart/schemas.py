import marshmallow as ma
from marshmallow import fields, validate

from marketplace.orders.models import PAYMENT_METHODS
from marketplace.orders.schemas import payment_device
from marketplace.schemas import Timestamp, WholeNumber

PROBLEMS = ("delisted", "out_of_stock", "short_of_stock")


class CartItemSetSchema(ma.Schema):
    quantity = WholeNumber(required=True, validate=validate.Range(min=0, max=10_000))


class CartItemSchema(ma.Schema):
    product_id = WholeNumber()
    name = fields.String()
    unit = fields.String()
    price_fen = WholeNumber()
    quantity = WholeNumber()
    stock = WholeNumber(metadata={"description": "units on sale now"})
    line_total_fen = WholeNumber()
    is_purchasable = fields.Boolean()
    problem = fields.String(
        allow_none=True,
        validate=validate.OneOf(PROBLEMS),
        metadata={"description": "why it cannot be bought as it is; null if it can"},
    )
    added_at = Timestamp()


class CartSupplierSchema(ma.Schema):
    supplier_id = WholeNumber()
    supplier_name = fields.String()
    items = fields.List(fields.Nested(CartItemSchema))
    total_fen = WholeNumber(metadata={"description": "of the items that can be bought"})


class CartSchema(ma.Schema):
    suppliers = fields.List(fields.Nested(CartSupplierSchema))
    total_fen = WholeNumber(metadata={"description": "of the items that can be bought"})


class CheckoutSchema(ma.Schema):
    address_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    payment_method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    payment_device = payment_device()
    product_ids = fields.List(
        WholeNumber(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(min=1, max=100),
        metadata={"description": "check out only these products of the cart"},
    )
