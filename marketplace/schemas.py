"""Schema pieces shared by every domain."""

import unicodedata
from datetime import UTC, date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from marketplace.i18n import N_, translate
from marketplace.timeutil import CHINA


class Text(fields.String):
    """A string without control characters (PostgreSQL refuses NUL; nobody needs the rest)."""

    default_error_messages = {"control": N_("Must not contain control characters.")}

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        allowed = {"\n", "\t"} if self.multiline else set()
        if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
            raise self.make_error("control")
        return text.strip()


class Message(fields.String):
    """A fixed sentence an answer carries for people, in the reader's language (mark it with N_)."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        self.text = text
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return translate(self.text)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.text


class Translated(fields.String):
    """A message the system stored as its English template (marked with N_, its {placeholders}
    filled in), written out in the reader's language; what people wrote passes as it is."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(translate(value), attr, obj, **kwargs)


class WholeNumber(fields.Integer):
    """Every integer the API reads (a count of units, an amount in fen, an id): 12, 12.0 and "12"
    are twelve, but 1.5 is refused, where fields.Integer would silently make it 1."""

    default_error_messages = {"fraction": N_("Must be a whole number.")}

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("fraction")
        return super()._validated(value)


class Timestamp(fields.AwareDateTime):
    """An instant with its offset, as API.md promises, written in China time (+08:00), the clock its
    readers live by. PostgreSQL's timestamptz gives aware values; SQLite gives them back naive, in UTC.
    Instants read without an offset are UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is not None:
            value = value.astimezone(CHINA)
        return super()._serialize(value, attr, obj, **kwargs)


class Id(WholeNumber):
    """A row id: ids are 32-bit like their columns, so a larger one finds nothing rather than overflow."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(min=1, max=2**31 - 1))
        super().__init__(**kwargs)


class Day(fields.Date):
    """A calendar day of this era: far earlier or later days are typing mistakes, and the year before
    or the days after them that progress and expiry compute would leave Python's date range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31)))
        super().__init__(**kwargs)


class RegionCode(Text):
    """A GB/T 2260 code: 6 digits, or 9 for a town."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate", validate.Regexp(r"^\d{6}(\d{3})?$", error=N_("Must be a 6- or 9-digit code."))
        )
        super().__init__(**kwargs)


class Phone(Text):
    """A telephone number as people write one: 023-5555 1234, +86 138 0000 0000."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate",
            validate.Regexp(
                r"^\+?[0-9][0-9 -]{5,18}$",
                error=N_(
                    "Must be a phone number: a digit (or +) first, then 5 to 18 digits, spaces or hyphens."
                ),
            ),
        )
        super().__init__(**kwargs)


class QueryArgsSchema(ma.Schema):
    """Query strings ignore parameters they do not know (page, page_size, cache busters)."""

    class Meta:
        unknown = ma.EXCLUDE


class MessageSchema(ma.Schema):
    message = fields.String()


class ErrorSchema(ma.Schema):
    """Every error answer, as marketplace.errors renders it (documented on every operation)."""

    code = fields.Integer(metadata={"description": "the HTTP status"})
    status = fields.String(metadata={"description": "the status's name"})
    message = fields.String()
    errors = fields.Dict(metadata={"description": "by location, then field: the reasons"})
    error_code = fields.String(metadata={"description": "a stable snake_case name clients branch on"})
