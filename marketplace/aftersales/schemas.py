import marshmallow as ma
from marshmallow import fields, validate

from marketplace.aftersales.models import AfterSalesStatus
from marketplace.orders.schemas import RefundLineSchema
from marketplace.schemas import QueryArgsSchema, Text, Timestamp, WholeNumber


class AfterSalesCreateSchema(ma.Schema):
    lines = fields.List(
        fields.Nested(RefundLineSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    reason = Text(required=True, validate=validate.Length(min=2, max=500))


class DecisionSchema(ma.Schema):
    comment = Text(validate=validate.Length(max=500))


class RejectionSchema(ma.Schema):
    comment = Text(required=True, validate=validate.Length(min=2, max=500))


class AfterSalesLineSchema(ma.Schema):
    line_id = WholeNumber()
    product_name = fields.String()
    unit_price_fen = WholeNumber()
    quantity = WholeNumber()


class AfterSalesPhotoSchema(ma.Schema):
    id = WholeNumber()
    url = fields.Function(
        lambda p: f"/api/v1/after-sales/{p.request_id}/photos/{p.id}",
        metadata={"description": "seen by the buyer, the supplier and admins, signed in"},
    )
    content_type = fields.String()


class AfterSalesSchema(ma.Schema):
    id = WholeNumber(attribute="request.id")
    order_id = WholeNumber(attribute="request.order_id")
    supplier_id = WholeNumber(attribute="request.supplier_id")
    buyer_id = WholeNumber(attribute="request.buyer_id")
    status = fields.String(attribute="request.status", metadata={"enum": list(AfterSalesStatus)})
    lines = fields.List(fields.Nested(AfterSalesLineSchema))
    amount_fen = WholeNumber(attribute="request.amount_fen")
    reason = fields.String(attribute="request.reason")
    photos = fields.List(fields.Nested(AfterSalesPhotoSchema), attribute="request.photos")
    comment = fields.String(attribute="request.comment", allow_none=True)
    decided_at = Timestamp(attribute="request.decided_at", allow_none=True)
    refund_id = WholeNumber(attribute="request.refund_id", allow_none=True)
    refund_status = fields.String(allow_none=True)
    created_at = Timestamp(attribute="request.created_at")


class AfterSalesQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(list(AfterSalesStatus)))
