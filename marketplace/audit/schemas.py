import marshmallow as ma
from marshmallow import fields, validate

from marketplace.schemas import Id, QueryArgsSchema, Timestamp, Translated, WholeNumber


class AuditEventSchema(ma.Schema):
    id = WholeNumber()
    subject_type = fields.String(metadata={"description": "the table: orders, purchase_orders, users, ..."})
    subject_id = WholeNumber()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = Translated(
        allow_none=True, metadata={"description": "in the reader's language when the system wrote it"}
    )
    actor_id = WholeNumber(allow_none=True)
    actor_name = fields.String(
        allow_none=True, metadata={"description": "the actor's display name; null for the system"}
    )
    details = fields.Dict(allow_none=True)
    at = Timestamp()


class AuditQueryArgsSchema(QueryArgsSchema):
    actor_id = Id()
    subject_type = fields.String(validate=validate.Length(max=40))
    subject_id = Id()
    action = fields.String(validate=validate.Length(max=40))
    since = fields.AwareDateTime(metadata={"description": "ISO 8601 with offset"})
