import marshmallow as ma
from marshmallow import fields, validate

from marketplace.certification.models import STATUSES
from marketplace.schemas import Day, QueryArgsSchema, RegionCode, Text, Timestamp, WholeNumber


class CommitmentSchema(ma.Schema):
    quality = fields.Boolean(
        required=True, metadata={"description": "the product meets the quality standards"}
    )
    price = fields.Boolean(
        required=True, metadata={"description": "the price is no higher than the market's"}
    )
    truthfulness = fields.Boolean(required=True, metadata={"description": "everything declared is true"})
    signed_by = Text(required=True, validate=validate.Length(min=1, max=50))


class ApplicationSchema(ma.Schema):
    commitment = fields.Nested(CommitmentSchema, required=True)


class CertificationSchema(ma.Schema):
    id = WholeNumber()
    product_id = WholeNumber()
    product_name = fields.String(attribute="product.name")
    supplier_id = WholeNumber()
    origin_region_code = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    stages = fields.List(fields.String())
    current_stage = fields.String(allow_none=True)
    commitment = fields.Dict()
    notice_ends_on = fields.Date(allow_none=True)
    certificate_no = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    renewal_of_id = WholeNumber(allow_none=True)
    reason = fields.String(allow_none=True)
    revoked_at = Timestamp(allow_none=True)
    created_at = Timestamp()


class CertificationReviewSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    comment = Text(load_default=None, validate=validate.Length(max=2000), multiline=True)


class RevokeSchema(ma.Schema):
    reason = Text(required=True, validate=validate.Length(min=2, max=2000), multiline=True)


class CertificationQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    region = RegionCode()
    expiring_before = Day()
    product_id = WholeNumber(validate=validate.Range(min=1, max=2**31 - 1))
