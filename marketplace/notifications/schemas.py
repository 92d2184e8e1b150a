import re

import marshmallow as ma
from marshmallow import fields, validate

from marketplace import sms
from marketplace.i18n import N_
from marketplace.notifications import texts
from marketplace.notifications.models import NotificationKind
from marketplace.schemas import QueryArgsSchema, Text, Timestamp, WholeNumber


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


class MainlandMobile(Text):
    """A mainland mobile number, kept as its 11 digits: 138 0013 8000, 138-0013-8000 and
    +86 13800138000 are all 13800138000."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "validate",
            validate.Regexp(
                r"^1[3-9][0-9]{9}$",
                error=N_("Must be a mainland mobile number: 11 digits, starting with 13 to 19."),
            ),
        )
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = re.sub(r"[\s-]", "", super()._deserialize(value, attr, data, **kwargs))
        return re.sub(r"^(\+86|0086)", "", number)


class SmsAvailable(fields.Boolean):
    """Whether this deployment sends SMS: a setting of the platform, the same in every user's answer."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return sms.available()


class NotificationSettingsSchema(ma.Schema):
    email = fields.Boolean(metadata={"description": "mail each notification to the verified address"})
    sms = fields.Boolean(
        metadata={"description": "text each notification to `mobile` (off by default; needs a mobile)"}
    )
    mobile = MainlandMobile(
        allow_none=True,
        metadata={"description": "the mainland mobile number SMS goes to", "example": "13800138000"},
    )
    sms_available = SmsAvailable(
        dump_only=True,
        metadata={"description": "whether this platform sends SMS (when false, sms cannot be turned on)"},
    )
