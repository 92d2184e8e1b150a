import marshmallow as ma
from marshmallow import fields, validate

from marketplace.regions.models import LEVELS
from marketplace.schemas import QueryArgsSchema, RegionCode, Text, WholeNumber


class RegionSchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String(metadata={"enum": list(LEVELS)})
    parent_code = fields.String(allow_none=True)
    national_key_county = fields.Boolean()
    deep_poverty = fields.Boolean()
    exited_year = WholeNumber(allow_none=True)


class RegionQueryArgsSchema(QueryArgsSchema):
    parent = RegionCode()
    level = fields.String(validate=validate.OneOf(LEVELS))
    q = Text(validate=validate.Length(min=1, max=64))


class PairingSchema(ma.Schema):
    id = WholeNumber()
    helper_region_code = fields.String()
    helper_name = fields.String(attribute="helper.name")
    assisted_region_code = fields.String()
    assisted_name = fields.String(attribute="assisted.name")
    level = fields.String()
    role = fields.String(metadata={"description": "lead: the pairing itself; assisting: helps a lead helper"})
    since = WholeNumber(metadata={"description": "first year of the plan that set the pairing"})
    source = fields.String()


class PairingQueryArgsSchema(QueryArgsSchema):
    helper = RegionCode(metadata={"description": "pairings this region, or a region above it, helps in"})
    assisted = RegionCode(metadata={"description": "pairings that help this region, directly or above it"})
