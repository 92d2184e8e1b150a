import marshmallow as ma
from marshmallow import fields

from marketplace.notifications import texts
from marketplace.notifications.models import NotificationKind
from marketplace.schemas import QueryArgsSchema, Timestamp, WholeNumber


class NotificationSchema(ma.Schema):
    id = WholeNumber()
    kind = fields.String(metadata={"enum": list(NotificationKind)})
    title = fields.Function(texts.title, metadata={"description": "in the reader's language"})
    message = fields.Function(texts.message, metadata={"description": "in the reader's language"})
    link = fields.Function(texts.link, metadata={"description": "the web app's page of the subject"})
    subject_type = fields.String()
    subject_id = WholeNumber()
    read_at = Timestamp(allow_none=True)
    created_at = Timestamp()


class InboxQueryArgsSchema(QueryArgsSchema):
    unread = fields.Boolean(load_default=False)


class UnreadCountSchema(ma.Schema):
    unread = WholeNumber()


class MarkedSchema(ma.Schema):
    marked = WholeNumber()


class NotificationSettingsSchema(ma.Schema):
    email = fields.Boolean(metadata={"description": "mail each notification to the verified address"})
