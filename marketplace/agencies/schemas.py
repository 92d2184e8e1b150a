import marshmallow as ma
from marshmallow import fields, validate

from marketplace.agencies.models import EXEMPTIONS, MEMBER_ROLES, AgencyKind
from marketplace.schemas import QueryArgsSchema, RegionCode, Text, WholeNumber

MAX_FEN = 10**13


class AgencyCreateSchema(ma.Schema):
    name = Text(required=True, validate=validate.Length(min=2, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(list(AgencyKind)))
    uscc = Text(required=True)
    region_code = RegionCode(required=True)
    parent_id = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    annual_food_budget_fen = WholeNumber(
        validate=validate.Range(min=0, max=MAX_FEN), metadata={"description": "this year's filing, if given"}
    )
    reserved_share_bp = WholeNumber(validate=validate.Range(min=0, max=10_000))
    approval_threshold_fen = WholeNumber(
        required=True,
        validate=validate.Range(min=0, max=MAX_FEN),
        metadata={"description": "orders at or above need an approval"},
    )
    approval_tiers_fen = fields.List(
        WholeNumber(validate=validate.Range(min=0, max=MAX_FEN)),
        validate=validate.Length(min=1, max=5),
        metadata={"description": "ascending; at or above the n-th, n approvals"},
    )


class AgencyMemberSchema(ma.Schema):
    user_id = WholeNumber()
    role = fields.String()


class AgencySchema(ma.Schema):
    id = WholeNumber()
    name = fields.String()
    kind = fields.String()
    uscc = fields.String()
    region_code = fields.String()
    parent_id = WholeNumber(allow_none=True)
    parent_name = fields.Function(
        lambda agency: agency.parent.name if agency.parent else None,
        allow_none=True,
        metadata={"type": "string", "description": "the lead unit's name"},
    )
    approval_tiers_fen = fields.List(WholeNumber())
    members = fields.List(fields.Nested(AgencyMemberSchema))


class AgencyMemberAddSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True, validate=validate.OneOf(MEMBER_ROLES))


class FilingCreateSchema(ma.Schema):
    food_budget_fen = WholeNumber(validate=validate.Range(min=0, max=MAX_FEN))
    reserved_share_bp = WholeNumber(validate=validate.Range(min=0, max=10_000))
    exemption = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(EXEMPTIONS))
    exemption_note = Text(validate=validate.Length(max=500))
    covered_by_agency_id = WholeNumber(validate=validate.Range(min=1, max=2**31 - 1))
    gift_budget_fen = WholeNumber(load_default=0, validate=validate.Range(min=0, max=MAX_FEN))
    gift_share_bp = WholeNumber(load_default=0, validate=validate.Range(min=0, max=10_000))


class FilingSchema(ma.Schema):
    agency_id = WholeNumber()
    year = WholeNumber()
    food_budget_fen = WholeNumber()
    reserved_share_bp = WholeNumber()
    exemption = fields.String(allow_none=True)
    exemption_note = fields.String(allow_none=True)
    covered_by_agency_id = WholeNumber(allow_none=True)
    gift_budget_fen = WholeNumber()
    gift_share_bp = WholeNumber()
    status = fields.String()
    return_reason = fields.String(allow_none=True)


class ReturnSchema(ma.Schema):
    reason = Text(required=True, validate=validate.Length(min=2, max=1000))


class YearArgsSchema(QueryArgsSchema):
    year = WholeNumber(validate=validate.Range(min=2000, max=2100))
