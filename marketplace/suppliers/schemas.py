import marshmallow as ma
from marshmallow import fields, validate

from marketplace.schemas import Phone, QueryArgsSchema, RegionCode, Text, Timestamp, WholeNumber
from marketplace.suppliers.models import LINKAGE_MODES, SupplierKind, SupplierStatus


class SupplierCreateSchema(ma.Schema):
    name = Text(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(list(SupplierKind)))
    uscc = Text(required=True, metadata={"description": "统一社会信用代码, 18 characters, GB 32100-2015"})
    region_code = RegionCode(
        required=True, metadata={"description": "the home county, in an assisted region"}
    )
    linkage_modes = fields.List(
        fields.String(validate=validate.OneOf(LINKAGE_MODES)),
        required=True,
        validate=validate.Length(min=1, max=len(LINKAGE_MODES)),
        metadata={"description": "联农带农 / 带贫方式"},
    )
    households_linked = WholeNumber(required=True, validate=validate.Range(min=0, max=10_000_000))
    contact_name = Text(required=True, validate=validate.Length(min=1, max=50))
    contact_phone = Phone(required=True)


class SupplierSchema(ma.Schema):
    id = WholeNumber()
    name = fields.String()
    kind = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    region_name = fields.String(attribute="region.name", metadata={"description": "the home county's name"})
    linkage_modes = fields.List(fields.String())
    households_linked = WholeNumber()
    contact_name = fields.String()
    contact_phone = fields.String()
    status = fields.String(metadata={"enum": list(SupplierStatus)})
    status_reason = fields.String(allow_none=True)
    created_at = Timestamp()
    verified_at = Timestamp(allow_none=True)


class SupplierQueryArgsSchema(QueryArgsSchema):
    region = RegionCode()
    kind = fields.String(validate=validate.OneOf(list(SupplierKind)))
    status = fields.String(validate=validate.OneOf(list(SupplierStatus)))
    awaiting = fields.String(
        validate=validate.OneOf(["me"]),
        metadata={
            "description": "me: the pending registrations the caller may verify (not their own suppliers'),"
            " oldest first"
        },
    )


class SupplierReviewSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    comment = Text(load_default=None, validate=validate.Length(max=2000), multiline=True)


class ReasonSchema(ma.Schema):
    reason = Text(required=True, validate=validate.Length(min=2, max=2000), multiline=True)


class OptionalReasonSchema(ma.Schema):
    reason = Text(load_default=None, validate=validate.Length(max=2000), multiline=True)


class MemberAddSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
