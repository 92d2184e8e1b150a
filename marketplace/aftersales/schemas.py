import marshmallow as ma
from marshmallow import fields, validate

from marketplace.aftersales.models import AfterSalesStatus, FapiaoStatus
from marketplace.orders.schemas import RefundLineSchema
from marketplace.schemas import Id, QueryArgsSchema, Text, Timestamp, WholeNumber


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
    supplier_id = WholeNumber(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "only those to this supplier (one of the caller's; an admin: any)"},
    )
    order_id = Id(metadata={"description": "only this order's requests"})


class FapiaoCreateSchema(ma.Schema):
    title = Text(required=True, validate=validate.Length(min=2, max=100))
    tax_id = Text(
        validate=validate.Length(min=15, max=20),
        metadata={"description": "税号: a company's unified social credit code; none for a person"},
    )
    email = fields.Email(
        validate=validate.Length(max=254),
        metadata={"description": "where to mail word of the e-invoice; the buyer's own address if none"},
    )


class FapiaoIssueSchema(ma.Schema):
    invoice_no = Text(required=True, validate=validate.Length(min=8, max=40))


class InvoiceFileSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FapiaoSchema(ma.Schema):
    id = WholeNumber(attribute="fapiao.id")
    fulfilment_id = WholeNumber(attribute="fapiao.fulfilment_id")
    order_id = WholeNumber(attribute="fapiao.order_id")
    supplier_id = WholeNumber(attribute="fapiao.supplier_id")
    buyer_id = WholeNumber(attribute="fapiao.buyer_id")
    title = fields.String(attribute="fapiao.title")
    tax_id = fields.String(attribute="fapiao.tax_id", allow_none=True)
    email = fields.String(attribute="fapiao.email", allow_none=True)
    amount_fen = WholeNumber(metadata={"description": "the part's lines as paid, less refunds"})
    status = fields.String(attribute="fapiao.status", metadata={"enum": list(FapiaoStatus)})
    invoice_no = fields.String(attribute="fapiao.invoice_no", allow_none=True)
    invoice_url = fields.Function(
        lambda v: f"/api/v1/fapiao/{v['fapiao'].id}/invoice" if v["fapiao"].file_key else None,
        allow_none=True,
    )
    issued_at = Timestamp(attribute="fapiao.issued_at", allow_none=True)
    created_at = Timestamp(attribute="fapiao.created_at")


class FapiaoQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(list(FapiaoStatus)))
    supplier_id = WholeNumber(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "only those to this supplier (one of the caller's; an admin: any)"},
    )
    order_id = Id(metadata={"description": "only this order's requests"})
