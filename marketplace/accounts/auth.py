"""The caller behind a request's bearer token, for the api layer of every domain."""

from flask import request

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.errors import DomainError, Unauthorized
from marketplace.i18n import N_
from marketplace.ratelimit import client_address

SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
CACHE_KEY = "marketplace.current_user"


def current_user() -> User | None:
    """The caller, or None for an anonymous request; a bad token is a 401, not anonymity."""
    # Cached on the request itself: an app context (and its `g`) may outlive one request.
    if CACHE_KEY not in request.environ:
        token = bearer_token()
        request.environ[CACHE_KEY] = None if token is None else services.user_from_token(token)
    return request.environ[CACHE_KEY]


def saved_locale() -> str | None:
    """The caller's chosen language, for marketplace.i18n (None: anonymous, or no choice)."""
    user = current_user()
    return user.locale if user is not None else None


def bearer_token() -> str | None:
    """The token of the Authorization header, None without one; another scheme is a 401."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        # N_: the reader's locale is being chosen from this very token, so it is translated when shown.
        raise Unauthorized(N_("Use 'Authorization: Bearer <token>'."))
    return token.strip()


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized()
    return user


def account_key() -> str:
    """A rate-limit key per account, whichever token or address the caller uses (a fresh sign-in is
    a fresh token, so a token is no key); a caller without a valid token is keyed on their address,
    and the view answers them 401."""
    try:
        user = current_user()
    except DomainError:
        user = None
    return f"account:{user.id}" if user is not None else "address:" + client_address()
