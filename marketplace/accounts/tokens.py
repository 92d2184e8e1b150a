"""Signed, expiring bearer tokens.

A token carries the user id, the user's token_version (so a password change
revokes every older token) and an expiry; itsdangerous signs it with the
app's SECRET_KEY. No server-side session store is needed to check one.
"""

import hmac
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

SALT = "marketplace.access-token"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    expires_at: int


def issue(
    secret_key: str, user_id: int, token_version: int, ttl_seconds: int, now: float | None = None
) -> str:
    issued = int(time.time() if now is None else now)
    payload = {"sub": user_id, "ver": token_version, "exp": issued + ttl_seconds}
    return URLSafeSerializer(secret_key, salt=SALT).dumps(payload)


def verify(secret_key: str, token: str, now: float | None = None) -> TokenClaims | None:
    """The token's claims, or None if it is forged, malformed, expired or not exactly as issued."""
    serializer = URLSafeSerializer(secret_key, salt=SALT)
    try:
        payload = serializer.loads(token)
        claims = TokenClaims(int(payload["sub"]), int(payload["ver"]), int(payload["exp"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    # itsdangerous decodes base64 leniently (characters outside the alphabet, padding and the unused
    # bits of the last character are ignored), so many strings carry one valid signature; each
    # would be a different token to anything keyed on it, such as the password-change throttle.
    if not hmac.compare_digest(serializer.dumps(payload).encode(), token.encode()):
        return None
    if claims.expires_at <= (time.time() if now is None else now):
        return None
    return claims


# Links mailed to an address -------------------------------------------------------

VERIFY_EMAIL_SALT = "marketplace.verify-email"
PASSWORD_RESET_SALT = "marketplace.password-reset"


@dataclass(frozen=True)
class MailedClaims:
    user_id: int
    email: str
    token_version: int


def issue_mailed(secret_key: str, salt: str, user_id: int, email: str, token_version: int) -> str:
    """A link token bound to the account, its address and its token_version (a password change, or
    the reset the token is for, kills it)."""
    payload = {"sub": user_id, "email": email, "ver": token_version}
    return URLSafeTimedSerializer(secret_key, salt=salt).dumps(payload)


def verify_mailed(secret_key: str, salt: str, token: str, max_age: int) -> MailedClaims | None:
    """The claims of a link token, or None if it is forged, malformed or older than max_age."""
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=salt).loads(token, max_age=max_age)
        return MailedClaims(int(payload["sub"]), str(payload["email"]), int(payload["ver"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
