import marshmallow as ma
from marshmallow import fields, validate

from marketplace.i18n import N_
from marketplace.invitations.models import SHOWN_STATUSES, InvitationKind
from marketplace.schemas import Message, QueryArgsSchema, Timestamp, WholeNumber


class InvitationSchema(ma.Schema):
    id = WholeNumber()
    kind = fields.String(metadata={"enum": list(InvitationKind)})
    email = fields.String()
    supplier_id = WholeNumber(allow_none=True)
    agency_id = WholeNumber(allow_none=True)
    role = fields.String(allow_none=True)
    status = fields.String(attribute="shown_status", metadata={"enum": list(SHOWN_STATUSES)})
    invited_by_id = WholeNumber()
    created_at = Timestamp()
    expires_at = Timestamp()
    accepted_by_id = WholeNumber(allow_none=True)
    closed_at = Timestamp(allow_none=True)


class InvitationSentSchema(InvitationSchema):
    message = Message(
        N_(
            "An invitation was mailed to this address. The membership is granted when the owner of the "
            "address, signed in with it verified, accepts it."
        )
    )


class InvitationQueryArgsSchema(QueryArgsSchema):
    status = fields.String(validate=validate.OneOf(SHOWN_STATUSES))
