import marshmallow as ma
from marshmallow import fields, validate

from marketplace.certification.models import NOTICE_DAYS_MAX, NOTICE_DAYS_MIN, STAGES, CertificationStatus
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
    supplier_name = fields.String(attribute="supplier.name")
    origin_region_code = fields.String()
    origin_name = fields.String(attribute="origin.name", metadata={"description": "the origin region's name"})
    status = fields.String(metadata={"enum": list(CertificationStatus)})
    rule_id = WholeNumber(
        allow_none=True,
        metadata={"description": "the province's rule it was applied under; null: the default rule"},
    )
    stages = fields.List(fields.String(metadata={"enum": list(STAGES)}))
    notice_days = WholeNumber(metadata={"description": "days of public notice (公示) after the last stage"})
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
    status = fields.String(validate=validate.OneOf(list(CertificationStatus)))
    region = RegionCode()
    expiring_before = Day()
    expiring_within_days = WholeNumber(
        validate=validate.Range(min=1, max=366),
        metadata={
            "description": "certified, valid until at most this many days from today and not renewed,"
            " soonest first"
        },
    )
    awaiting = fields.String(
        validate=validate.OneOf(["me"]),
        metadata={
            "description": "me: the applications whose current stage the caller may review (not one they"
            " approved a stage of, nor their own suppliers'), oldest first"
        },
    )
    product_id = WholeNumber(validate=validate.Range(min=1, max=2**31 - 1))


class CertificationRuleCreateSchema(ma.Schema):
    province_code = RegionCode(required=True, metadata={"description": "a province-level region"})
    stages = fields.List(
        fields.String(validate=validate.OneOf(STAGES)),
        required=True,
        validate=validate.Length(min=1, max=len(STAGES)),
        metadata={"description": "review stages in order, from the county up: county, city, province"},
    )
    notice_days = WholeNumber(
        required=True,
        validate=validate.Range(min=NOTICE_DAYS_MIN, max=NOTICE_DAYS_MAX),
        metadata={"description": "days of public notice (公示) after the last stage's approval"},
    )
    reason = Text(load_default=None, validate=validate.Length(max=2000), multiline=True)


class CertificationRuleSchema(ma.Schema):
    id = WholeNumber(allow_none=True, metadata={"description": "null for the default rule"})
    province_code = fields.String()
    stages = fields.List(fields.String(metadata={"enum": list(STAGES)}))
    notice_days = WholeNumber()
    is_default = fields.Boolean(
        metadata={"description": "the configured default: the province has no rule of its own"}
    )
    valid_from = Timestamp(allow_none=True)
    created_by_id = WholeNumber(allow_none=True)
    created_at = Timestamp(allow_none=True)


class CertificationRuleQueryArgsSchema(QueryArgsSchema):
    province_code = RegionCode()
