"""Domain errors carry their HTTP status; one handler renders every error alike.

The shape is flask-smorest's, as API.md fixes it:
{"code": 409, "status": "Conflict", "message": "...", "errors": {...}}
plus "error_code", a stable snake_case name clients can branch on. "message" and the reasons under
"errors" are in the reader's language (marketplace.i18n); "code", "status", "error_code" and the
field names never change with it.
"""

import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, TooManyRequests

from marketplace.extensions import db, limiter
from marketplace.i18n import N_, _, translate, translate_all
from marketplace.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    error_code = "bad_request"
    message = N_("The request cannot be carried out.")
    # Seconds a client should wait before trying again, sent as Retry-After (a 503's).
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, errors: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.errors = errors


class NotFound(DomainError):
    status = 404
    error_code = "not_found"
    message = N_("Not found.")


class Forbidden(DomainError):
    status = 403
    error_code = "forbidden"
    message = N_("You are not allowed to do this.")


class Unauthorized(DomainError):
    status = 401
    error_code = "unauthorized"
    message = N_("A valid bearer token is required.")


class Conflict(DomainError):
    status = 409
    error_code = "conflict"


class InvalidField(DomainError):
    """A field that is well-formed but wrong (an unknown region, a duplicate name)."""

    status = 422
    error_code = "invalid_field"

    def __init__(self, field: str, why: str, *, location: str = "json"):
        super().__init__(
            _("Invalid %(field)s: %(why)s", field=field, why=translate(why)),
            errors={location: {field: [why]}},
        )

    @classmethod
    def rows(cls, message: str, rows: dict[str, dict[str, list[str]]]) -> "InvalidField":
        """An uploaded file's bad rows: {"files": {"file": {"<row>": {"<column>": [why]}}}}."""
        error = cls("file", message, location="files")
        error.errors = {"files": {"file": rows}}
        error.message = message
        return error


@dataclass(frozen=True)
class Taken:
    """What a unique constraint's violation says: the field it names, the message, and the reason
    given under the field."""

    field: str
    message: str
    reason: str


# Unique constraints whose violation reads better than the default; each domain adds its own.
TAKEN: dict[str, Taken] = {}
TAKEN_MESSAGE = N_("This %(field)s is in use already.")
TAKEN_REASON = N_("Already in use.")
MISSING_REASON = N_("It refers to something that does not exist.")
STILL_REFERRED = N_("This is still referred to elsewhere and cannot be removed.")
# PostgreSQL's SQLSTATEs; SQLite has none and says which columns in its message.
UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION = "23505", "23503"
SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>\w+)'|(?P<columns>.+))")


def when_taken(constraint: str, field: str, message: str, reason: str) -> None:
    """Say what the violation of the unique constraint (or index) named so means to the caller."""
    TAKEN[constraint] = Taken(field, message, reason)


def integrity_error(error: IntegrityError) -> DomainError | None:
    """The answer to a unique or foreign-key violation that reached the request boundary: a race
    that a check before the insert cannot close (two requests checked, then both inserted), or a
    reference to a row deleted meanwhile. None for any other violation, which is a bug."""
    state = getattr(error.orig, "sqlstate", None)
    if state in (UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION):
        diag = error.orig.diag  # type: ignore[union-attr]  # psycopg's error, by its SQLSTATE
        constraint = _constraint(diag.constraint_name)
    elif match := SQLITE_UNIQUE.match(str(error.orig)):
        state = UNIQUE_VIOLATION
        if match["index"]:
            constraint = _constraint(match["index"])
        else:
            named = [c.strip().split(".", 1) for c in match["columns"].split(",")]
            constraint = _constraint_on(named[0][0], [column for _table, column in named])
    else:
        return None
    if constraint is None:
        return None
    columns = [column.name for column in constraint.columns]
    if state == FOREIGN_KEY_VIOLATION:
        if "is not present" not in (diag.message_detail or ""):
            return Conflict(STILL_REFERRED)  # a delete of what other rows still refer to
        return InvalidField(columns[0], MISSING_REASON)
    # Of (product_id, batch_code) the field the caller chose is the last one.
    taken = TAKEN.get(str(constraint.name)) or Taken(columns[-1], "", TAKEN_REASON)
    message = taken.message or _(TAKEN_MESSAGE, field=taken.field)
    return Conflict(message, errors={"json": {taken.field: [taken.reason]}})


def _constraint(name: str | None) -> Any:
    for table in db.metadata.tables.values():
        for constraint in _keys(table):
            if constraint.name == name:
                return constraint
    return None


def _constraint_on(table_name: str, columns: list[str]) -> Any:
    table = db.metadata.tables.get(table_name)
    for constraint in _keys(table) if table is not None else []:
        if [column.name for column in constraint.columns] == columns:
            return constraint
    return None


def _keys(table: Table) -> list[Any]:
    keys = [c for c in table.constraints if isinstance(c, UniqueConstraint | ForeignKeyConstraint)]
    return keys + [index for index in table.indexes if index.unique]


def error_body(status: int, message: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = message
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "cookies", "path", "view_args"}

# What a person reads for an error that carries no message of its own.
STATUS_MESSAGES = {
    400: N_("The request is malformed."),
    401: N_("A valid bearer token is required."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    406: N_("This answer is available as JSON only."),
    409: N_("The request conflicts with the current state."),
    413: N_("The request is too large."),
    415: N_("Send the body as JSON (Content-Type: application/json), or as the upload form asks."),
    429: N_("Too many requests; try again later."),
    500: N_("Internal error."),
    503: N_("The service is unavailable; try again shortly."),
}


def _summarize(errors: dict[str, Any]) -> str:
    """'输入有误：email：不是有效的电子邮件地址。' from webargs' nested (translated) messages: each
    reason after the field it is about; the location ("json", "query") is left to the errors map."""
    parts: list[str] = []

    def reason(path: str, text: str) -> str:
        return _("%(field)s: %(reason)s", field=path, reason=text) if path else text

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                at_top = not path and str(key) in LOCATIONS
                walk(value, "" if at_top else f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            parts.append(reason(path, " ".join(node)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        else:
            parts.append(reason(path, str(node)))

    walk(errors, "")
    separator = _("; ")
    # Each reason is a sentence of its own: its full stop would stand before the separator.
    shown = separator.join(part.rstrip("。.") for part in parts[:5])
    if len(parts) > 5:
        shown += separator + _("and %(count)s more", count=len(parts) - 5)
    return _("Invalid input: %(details)s", details=shown)


PER = {
    "second": N_("%(amount)s per %(multiples)s second"),
    "minute": N_("%(amount)s per %(multiples)s minute"),
    "hour": N_("%(amount)s per %(multiples)s hour"),
    "day": N_("%(amount)s per %(multiples)s day"),
    "month": N_("%(amount)s per %(multiples)s month"),
    "year": N_("%(amount)s per %(multiples)s year"),
}


def describe(limit: Any) -> str:
    """'每 1 分钟 3 次' for the limits library's '3 per 1 minute'."""
    template = PER.get(limit.GRANULARITY.name)
    if template is None:
        return str(limit)
    return _(template, amount=limit.amount, multiples=limit.multiples)


def retry_after(error: TooManyRequests) -> int:
    """A 429 always says when to retry: the breached limit's window end, or what the raiser gave
    (`TooManyRequests(retry_after=...)`), or a minute."""
    if isinstance(error, RateLimitExceeded):
        try:
            current = limiter.current_limit
            return retry_after_seconds(current.reset_at if current else None)
        except Exception:
            # Reading the window's end asks the limiter's storage, which may have just failed.
            log.warning("rate limit window unknown", exc_info=True)
            return retry_after_seconds(None)
    if isinstance(error.retry_after, int):
        return max(1, error.retry_after)
    return retry_after_seconds(error.retry_after.timestamp() if error.retry_after else None)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        body = error_body(
            error.status,
            translate(error.message),
            errors=translate_all(error.errors),
            error_code=error.error_code,
        )
        headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
        return jsonify(body), error.status, headers

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        db.session.rollback()
        answer = integrity_error(error)
        if answer is None:
            log.exception("unexpected integrity error")
            return jsonify(error_body(500, _("Internal error."))), 500
        return handle_domain_error(answer)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def handle_database_unavailable(error: DBAPIError):
        # A lost connection or an unreachable server: the client may retry.
        log.warning("database error: %s", error)
        db.session.rollback()
        if isinstance(error, OperationalError) or error.connection_invalidated:
            body = error_body(503, _("The database is unavailable; try again shortly."))
            return jsonify(body), 503, {"Retry-After": "5"}
        log.exception("unexpected database error")
        return jsonify(error_body(500, _("Internal error."))), 500

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = translate_all(data.get("errors") or data.get("messages"))
        message = translate(data.get("message")) or (_summarize(errors) if errors else None)
        message = message or translate(STATUS_MESSAGES.get(status)) or error.description
        body = error_body(status, message, errors=errors)
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if isinstance(error, TooManyRequests):
            seconds = retry_after(error)
            headers["Retry-After"] = str(seconds)
            if isinstance(error, RateLimitExceeded):
                body["message"] = _(
                    "Too many requests (at most %(limit)s); retry in %(seconds)s s.",
                    limit=error.description if error.limit.error_message else describe(error.limit.limit),
                    seconds=seconds,
                )
        return jsonify(body), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        db.session.rollback()
        return jsonify(error_body(500, _("Internal error."))), 500
