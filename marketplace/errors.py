"""Domain errors carry their HTTP status; one handler renders every error alike.

The shape is flask-smorest's, as API.md fixes it:
{"code": 409, "status": "Conflict", "message": "...", "errors": {...}}
plus "error_code", a stable snake_case name clients can branch on.
"""

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, jsonify
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, TooManyRequests

from marketplace.extensions import db, limiter
from marketplace.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    error_code = "bad_request"
    message = "The request cannot be carried out."

    def __init__(self, message: str | None = None, *, errors: dict[str, Any] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.errors = errors


class NotFound(DomainError):
    status = 404
    error_code = "not_found"
    message = "Not found."


class Forbidden(DomainError):
    status = 403
    error_code = "forbidden"
    message = "You are not allowed to do this."


class Unauthorized(DomainError):
    status = 401
    error_code = "unauthorized"
    message = "A valid bearer token is required."


class Conflict(DomainError):
    status = 409
    error_code = "conflict"


class InvalidField(DomainError):
    """A field that is well-formed but wrong (an unknown region, a duplicate name)."""

    status = 422
    error_code = "invalid_field"

    def __init__(self, field: str, why: str, *, location: str = "json"):
        super().__init__(f"Invalid {field}: {why}", errors={location: {field: [why]}})

    @classmethod
    def rows(cls, message: str, rows: dict[str, dict[str, list[str]]]) -> "InvalidField":
        """An uploaded file's bad rows: {"files": {"file": {"<row>": {"<column>": [why]}}}}."""
        error = cls("file", message, location="files")
        error.errors = {"files": {"file": rows}}
        error.message = message
        return error


def error_body(status: int, message: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status, "status": HTTPStatus(status).phrase}
    if message:
        body["message"] = message
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _summarize(errors: dict[str, Any]) -> str:
    """'Invalid input: json.email: Not a valid email address.' from webargs' nested messages."""
    parts: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            parts.append(f"{path}: {' '.join(node)}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        else:
            parts.append(f"{path}: {node}")

    walk(errors, "")
    shown = "; ".join(parts[:5]) + (f"; and {len(parts) - 5} more" if len(parts) > 5 else "")
    return f"Invalid input: {shown}"


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
        body = error_body(error.status, error.message, errors=error.errors, error_code=error.error_code)
        return jsonify(body), error.status

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def handle_database_unavailable(error: DBAPIError):
        # A lost connection or an unreachable server: the client may retry.
        log.warning("database error: %s", error)
        db.session.rollback()
        if isinstance(error, OperationalError) or error.connection_invalidated:
            body = error_body(503, "The database is unavailable; try again shortly.")
            return jsonify(body), 503, {"Retry-After": "5"}
        log.exception("unexpected database error")
        return jsonify(error_body(500, "Internal error.")), 500

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message") or (_summarize(errors) if errors else error.description)
        body = error_body(status, message, errors=errors)
        headers = dict(data.get("headers") or {})
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if isinstance(error, TooManyRequests):
            seconds = retry_after(error)
            headers["Retry-After"] = str(seconds)
            if isinstance(error, RateLimitExceeded):
                body["message"] = f"Too many requests (at most {error.description}); retry in {seconds} s."
        return jsonify(body), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        db.session.rollback()
        return jsonify(error_body(500, "Internal error.")), 500
