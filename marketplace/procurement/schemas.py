import marshmallow as ma
from marshmallow import fields, validate

from marketplace.i18n import N_
from marketplace.procurement.models import ImportState, PurchaseOrderStatus
from marketplace.schemas import Day, QueryArgsSchema, Text, Timestamp, WholeNumber

ID = validate.Range(min=1, max=2**31 - 1)


class LineInputSchema(ma.Schema):
    product_id = WholeNumber(required=True, validate=ID)
    quantity = WholeNumber(required=True, validate=validate.Range(min=1, max=1_000_000))


class PurchaseOrderCreateSchema(ma.Schema):
    agency_id = WholeNumber(required=True, validate=ID)
    lines = fields.List(
        fields.Nested(LineInputSchema), load_default=list, validate=validate.Length(max=20_000)
    )
    delivery_address = Text(required=True, validate=validate.Length(min=2, max=200))
    needed_by = Day(load_default=None, allow_none=True)


class LinesSchema(ma.Schema):
    lines = fields.List(
        fields.Nested(LineInputSchema), required=True, validate=validate.Length(min=1, max=20_000)
    )


class PurchaseOrderLineSchema(ma.Schema):
    id = WholeNumber()
    product_id = WholeNumber()
    supplier_id = WholeNumber()
    product_name = fields.String()
    unit_price_fen = WholeNumber()
    quantity = WholeNumber()
    line_total_fen = WholeNumber()
    certificate_no = fields.String(
        allow_none=True,
        metadata={"description": "valid on the order date; once paid, valid on the day the money arrived"},
    )
    counts_toward_share = fields.Boolean(
        metadata={"description": "certified on the order date; once paid, on the day the money arrived"}
    )
    status = fields.String()
    quantity_received = WholeNumber(allow_none=True)
    inspection_note = fields.String(allow_none=True)


class SupplierPartSchema(ma.Schema):
    supplier_id = WholeNumber()
    status = fields.String()
    carrier = fields.String(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    invoice_no = fields.String(allow_none=True)
    invoice_amount_fen = WholeNumber(allow_none=True)
    invoice_file_type = fields.String(
        allow_none=True,
        metadata={
            "description": "the e-invoice's type (application/pdf, application/ofd, image/jpeg, "
            "image/png) if one was uploaded: GET /purchase-orders/{id}/e-invoices/{supplier_id}"
        },
    )
    rating = WholeNumber(allow_none=True)


class SupplierNameSchema(ma.Schema):
    id = WholeNumber()
    name = fields.String()


class PurchaseOrderSchema(ma.Schema):
    id = WholeNumber(attribute="order.id")
    agency_id = WholeNumber(attribute="order.agency_id")
    agency_name = fields.String()
    status = fields.String(attribute="order.status")
    created_by_id = WholeNumber(attribute="order.created_by_id")
    delivery_address = fields.String(attribute="order.delivery_address")
    needed_by = fields.Date(attribute="order.needed_by", allow_none=True)
    total_fen = WholeNumber(attribute="order.total_fen")
    approvals_required = WholeNumber(attribute="order.approvals_required")
    approvals = fields.Function(
        lambda v: [{"approver_id": a.approver_id, "tier": a.tier} for a in v["order"].approvals]
    )
    paid_fen = WholeNumber(attribute="order.paid_fen")
    submitted_on = fields.Date(attribute="order.submitted_on", allow_none=True)
    paid_on = fields.Date(attribute="order.paid_on", allow_none=True)
    may_approve = fields.Boolean(
        metadata={"description": "the caller may approve (or reject) the order's next tier now"}
    )
    lines = fields.List(fields.Nested(PurchaseOrderLineSchema))
    parts = fields.List(fields.Nested(SupplierPartSchema))
    suppliers = fields.List(
        fields.Nested(SupplierNameSchema), metadata={"description": "the suppliers of the lines shown, by id"}
    )


class QueryArgs(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(list(PurchaseOrderStatus)))
    awaiting = fields.String(
        validate=validate.OneOf(["me"]),
        metadata={
            "description": "me: the submitted orders the caller may approve at their next tier (an "
            "approver of the agency or of a lead unit above it, who neither drafted them nor "
            "approved an earlier tier)"
        },
    )


class CommentSchema(ma.Schema):
    comment = Text(load_default=None, validate=validate.Length(max=1000))


class RejectSchema(ma.Schema):
    comment = Text(required=True, validate=validate.Length(min=2, max=1000))


class CancelSchema(ma.Schema):
    reason = Text(load_default=None, validate=validate.Length(max=1000))


class ConfirmSchema(ma.Schema):
    declined_line_ids = fields.List(WholeNumber(validate=ID), load_default=list)


class PartShipSchema(ma.Schema):
    carrier = Text(required=True, validate=validate.Length(min=1, max=50))
    tracking_no = Text(required=True, validate=validate.Length(min=1, max=50))


class ReceiptLineSchema(ma.Schema):
    line_id = WholeNumber(required=True, validate=ID)
    quantity_received = WholeNumber(required=True, validate=validate.Range(min=0, max=1_000_000))
    note = Text(validate=validate.Length(max=500))


class ReceiptSchema(ma.Schema):
    lines = fields.List(fields.Nested(ReceiptLineSchema), required=True, validate=validate.Length(min=1))


class InvoiceSchema(ma.Schema):
    invoice_no = Text(
        required=True,
        validate=validate.Regexp(
            r"^[0-9A-Za-z-]{8,40}$", error=N_("Must be a fapiao number: 8 to 40 letters, digits or hyphens.")
        ),
        metadata={"description": "the fapiao number"},
    )
    amount_fen = WholeNumber(required=True, validate=validate.Range(min=1, max=10**13))


class EInvoiceFormSchema(InvoiceSchema):
    """The invoice's fields, sent as multipart form fields beside its file."""


class EInvoiceFileSchema(ma.Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "PDF, OFD, JPEG or PNG, at most 5 MiB",
        },
    )


class PaymentSchema(ma.Schema):
    amount_fen = WholeNumber(required=True, validate=validate.Range(min=1, max=10**13))
    method = fields.String(load_default="bank_transfer", validate=validate.OneOf(["bank_transfer"]))
    reference = Text(required=True, validate=validate.Length(min=4, max=60))


class RatingSchema(ma.Schema):
    supplier_id = WholeNumber(required=True, validate=ID)
    score = WholeNumber(required=True, validate=validate.Range(min=1, max=5))
    comment = Text(validate=validate.Length(max=1000))


class EmptySchema(ma.Schema):
    """A step that takes no body."""


class ImportSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportErrorSchema(ma.Schema):
    """How a failed import ended: the error answer the import met, as the API writes errors."""

    code = WholeNumber(metadata={"description": "the HTTP status the error has: 413, 415, 422, 409, ..."})
    status = fields.String()
    error_code = fields.String()
    message = fields.String()
    errors = fields.Dict(
        metadata={
            "description": 'for bad rows {"files": {"file": {"<row number>": {"<column as the header '
            'writes it>": ["why"]}}}}; for a bad file {"files": {"file": ["why"]}}'
        }
    )


class ImportJobSchema(ma.Schema):
    id = WholeNumber()
    order_id = WholeNumber()
    state = fields.String(metadata={"enum": list(ImportState)})
    rows_done = WholeNumber(metadata={"description": "rows read so far"})
    rows_total = WholeNumber(
        allow_none=True, metadata={"description": "about how many rows, while they are read; exact after"}
    )
    lines = WholeNumber(allow_none=True, metadata={"description": "the draft's lines, once imported"})
    error = fields.Nested(ImportErrorSchema, allow_none=True)
    created_at = Timestamp()
    finished_at = Timestamp(allow_none=True)
