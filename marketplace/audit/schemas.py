import marshmallow as ma
from marshmallow import fields


class AuditEventSchema(ma.Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    details = fields.Dict(allow_none=True)
    at = fields.DateTime()
