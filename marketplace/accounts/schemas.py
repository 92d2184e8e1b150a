import marshmallow as ma
from marshmallow import fields, validate

from marketplace.accounts.models import GRANTABLE_ROLES
from marketplace.i18n import LOCALES, N_
from marketplace.schemas import Message, Phone, QueryArgsSchema, RegionCode, Text, Timestamp, WholeNumber


class RegisterSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128), load_only=True)
    display_name = Text(required=True, validate=validate.Length(min=1, max=100))


class RegisteredSchema(ma.Schema):
    email = fields.String()
    display_name = fields.String()
    roles = fields.Constant(["buyer"])
    message = Message(
        N_("Registered. Sign in with POST /api/v1/auth/token; a link to verify the address was mailed to it.")
    )


class VerifyEmailSchema(ma.Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class PasswordResetRequestSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PasswordResetSchema(ma.Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128), load_only=True)


class MailSentSchema(ma.Schema):
    message = fields.String()


class TokenRequestSchema(ma.Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=128), load_only=True)


class PasswordChangeSchema(ma.Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=128), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128), load_only=True)


class TokenSchema(ma.Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = WholeNumber(metadata={"description": "seconds"})


class RoleGrantSchema(ma.Schema):
    role = fields.String()
    region_code = fields.String(allow_none=True)
    created_at = Timestamp()


class UserSchema(ma.Schema):
    id = WholeNumber()
    email = fields.String()
    display_name = fields.String()
    is_active = fields.Boolean()
    email_verified = fields.Boolean(attribute="is_email_verified")
    email_verified_at = Timestamp(allow_none=True)
    locale = fields.String(
        allow_none=True,
        metadata={"enum": list(LOCALES), "description": "chosen language; null follows Accept-Language"},
    )
    role_grants = fields.List(fields.Nested(RoleGrantSchema))
    created_at = Timestamp()


class MeUpdateSchema(ma.Schema):
    locale = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(list(LOCALES)),
        metadata={"description": "the language of messages and mails; null follows Accept-Language"},
    )


class MembershipSchema(ma.Schema):
    kind = fields.String(metadata={"enum": ["region", "supplier", "agency"]})
    role = fields.String()
    region_code = fields.String()
    supplier_id = WholeNumber()
    agency_id = WholeNumber()


class MeSchema(ma.Schema):
    user = fields.Nested(UserSchema)
    roles = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipSchema))


class UserQueryArgsSchema(QueryArgsSchema):
    email = fields.String(validate=validate.Length(max=254))
    role = fields.String(validate=validate.OneOf(GRANTABLE_ROLES))


class RoleGrantArgsSchema(ma.Schema):
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE_ROLES))
    region_code = RegionCode(load_default=None, allow_none=True)


class RoleRevokeArgsSchema(QueryArgsSchema):
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE_ROLES))
    region_code = RegionCode(load_default=None)


class DeactivateSchema(ma.Schema):
    reason = Text(required=True, validate=validate.Length(min=2, max=2000), multiline=True)


class ReactivateSchema(ma.Schema):
    reason = Text(load_default=None, validate=validate.Length(max=2000), multiline=True)


class AddressCreateSchema(ma.Schema):
    region_code = RegionCode(required=True)
    detail = Text(required=True, validate=validate.Length(min=2, max=200))
    recipient = Text(required=True, validate=validate.Length(min=1, max=50))
    phone = Phone(required=True)
    is_default = fields.Boolean()


class AddressUpdateSchema(AddressCreateSchema):
    region_code = RegionCode()
    detail = Text(validate=validate.Length(min=2, max=200))
    recipient = Text(validate=validate.Length(min=1, max=50))
    phone = Phone()


class AddressSchema(ma.Schema):
    id = WholeNumber(attribute="address.id")
    region_code = fields.String(attribute="address.region_code")
    region_names = fields.List(fields.String(), metadata={"description": "the region's path, widest first"})
    detail = fields.String(attribute="address.detail")
    recipient = fields.String(attribute="address.recipient")
    phone = fields.String(attribute="address.phone")
    is_default = fields.Boolean(attribute="address.is_default")
    created_at = Timestamp(attribute="address.created_at")
