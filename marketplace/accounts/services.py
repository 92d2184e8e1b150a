"""Accounts: registration, login, roles and the permission checks other domains call."""

import hashlib
import hmac
import logging
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import joinedload
from zxcvbn import zxcvbn

from marketplace.accounts import mails, tokens
from marketplace.accounts.models import GRANTABLE_ROLES, RoleGrant, SignInAddress, User, normalize_email
from marketplace.accounts.permissions import AccountNotVerified, require_admin
from marketplace.audit import services as audit
from marketplace.errors import Conflict, InvalidField, NotFound, Unauthorized
from marketplace.extensions import db
from marketplace.i18n import N_, _, locale_tag, translate
from marketplace.mail import queue as queue_mail
from marketplace.regions.services import require_region
from marketplace.timeutil import now

log = logging.getLogger(__name__)
WRONG_CREDENTIALS = N_("Wrong email or password.")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=current_app.config["ARGON2_TIME_COST"],
            memory_cost=current_app.config["ARGON2_MEMORY_COST_KIB"],
        )
        current_app.extensions["password_hasher"] = hasher
        # Verified against when the email is unknown, so both paths take as long.
        current_app.extensions["dummy_hash"] = hasher.hash("not a real password")
    return hasher


# zxcvbn's score 3 is "safely unguessable": about 10^8 guesses or more, out of reach of an online
# guesser held to the login throttles.
MIN_PASSWORD_SCORE = 3
# zxcvbn's own default: its cost grows fast with length, and a longer password is judged by its start.
PASSWORD_SCORED_CHARACTERS = 72
# zxcvbn keeps the words of the user being checked in a module-level dictionary while it scores.
_zxcvbn_lock = threading.Lock()
# zxcvbn's feedback, a fixed set of English sentences, for the catalog (translated when shown).
PASSWORD_FEEDBACK = [
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Dates are often easy to guess."),
    N_("Avoid dates and years that are associated with you."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
]


def check_password_strength(password: str, email: str, display_name: str, field: str = "password") -> None:
    """Refuse a common or guessable password, or one made of the user's email or name: a 422 naming
    `field` and saying why. Every way of setting a password calls it."""
    local_part = email.partition("@")[0]
    parts = re.split(r"[@._+\-\s]+", f"{email} {display_name}")
    # zxcvbn matches whole words: li.hua@ and "Li Hua" also give "lihua".
    joined = [re.sub(r"[._+\-\s]+", "", local_part), re.sub(r"\s+", "", display_name)]
    words = {email, display_name, *parts, *joined}
    with _zxcvbn_lock:
        result = zxcvbn(
            password[:PASSWORD_SCORED_CHARACTERS],
            user_inputs=sorted(w for w in words if w),
            max_length=PASSWORD_SCORED_CHARACTERS,
        )
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        reason = _("It contains your email address or name.")
    else:
        reason = translate(result["feedback"]["warning"])
    advice = [translate(suggestion) for suggestion in result["feedback"]["suggestions"]]
    # Chinese sentences follow one another without a space.
    separator = "" if locale_tag() == "zh-CN" else " "
    why = separator.join([_("Too easy to guess."), *(part for part in [reason, *advice] if part)])
    raise InvalidField(field, why)


def _find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def register_user(email: str, password: str, display_name: str) -> User:
    """Create a buyer account and mail its address a verification link. An email already registered
    yields the same answer and no account, so the answer cannot be used to learn who is registered;
    that address is mailed instead, with a link to reset the password (its owner may find a
    stranger registered it)."""
    email = normalize_email(email)
    check_password_strength(password, email, display_name)
    password_hash = _hasher().hash(password)
    candidate = User(email=email, password_hash=password_hash, display_name=display_name)
    existing = _find_user(email)
    if existing is not None:
        log.info("registration for an existing email: its owner is mailed")
        queue_mail(mails.ALREADY_REGISTERED, user_id=existing.id)
        db.session.commit()
        return candidate
    db.session.add(candidate)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        log.info("registration raced another for the same email; ignored")
        return User(email=email, password_hash=password_hash, display_name=display_name)
    queue_mail(mails.VERIFY_EMAIL, user_id=candidate.id)
    db.session.commit()
    return candidate


def verify_email(user: User, token: str) -> User:
    """Mark the caller's address verified with the link mailed to it. The caller must be signed in
    as the account: holding the mailbox alone (the owner clicking a link a squatter's registration
    sent them) must not verify a stranger's account."""
    claims = tokens.verify_mailed(
        current_app.config["SECRET_KEY"],
        tokens.VERIFY_EMAIL_SALT,
        token,
        current_app.config["EMAIL_VERIFICATION_TTL_SECONDS"],
    )
    if claims is None:
        raise InvalidField("token", _("The link is invalid or has expired; ask for a new one."))
    if claims.user_id != user.id or claims.email != user.email:
        raise InvalidField("token", _("This link was sent for another account; sign in as that account."))
    if user.email_verified_at is None:
        user.email_verified_at = now()
        audit.record(user, "verify_email", user.id)
        db.session.commit()
    return user


def resend_verification(user: User) -> None:
    """Mail the caller's own address a fresh verification link."""
    if user.is_email_verified:
        raise Conflict(_("This address is verified already."))
    queue_mail(mails.VERIFY_EMAIL, user_id=user.id)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; nothing otherwise. The caller is
    answered alike either way."""
    user = _find_user(email)
    if user is None or not user.is_active:
        log.info("password reset for an address without an active account ignored")
        return
    queue_mail(mails.PASSWORD_RESET, user_id=user.id)
    db.session.commit()


def reset_password(token: str, new_password: str) -> IssuedToken:
    """Set a new password with a mailed reset link. The link dies with it (token_version), as every
    earlier token does; the address is verified, since only its owner could have opened the link."""
    claims = tokens.verify_mailed(
        current_app.config["SECRET_KEY"],
        tokens.PASSWORD_RESET_SALT,
        token,
        current_app.config["PASSWORD_RESET_TTL_SECONDS"],
    )
    user = db.session.get(User, claims.user_id) if claims else None
    if (
        claims is None
        or user is None
        or not user.is_active
        or user.email != claims.email
        or user.token_version != claims.token_version
    ):
        raise InvalidField("token", _("The link is invalid, used or expired; ask for a new one."))
    check_password_strength(new_password, user.email, user.display_name, field="new_password")
    # Whoever held the account before (a squatter) keeps no address exempt from the sign-in limits.
    db.session.execute(delete(SignInAddress).where(SignInAddress.user_id == user.id))
    user.password_hash = _hasher().hash(new_password)
    user.token_version += 1
    if user.email_verified_at is None:
        user.email_verified_at = now()
    audit.record(user, "reset_password", user.id)
    db.session.commit()
    return issue_token(user)


def authenticate(email: str, password: str, address: str | None = None) -> IssuedToken:
    """A token for the right email and password; one and the same 401 for every wrong case. The
    client's `address` is remembered as one the user signs in from."""
    hasher = _hasher()
    user = _find_user(email)
    try:
        hasher.verify(user.password_hash if user else current_app.extensions["dummy_hash"], password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized(WRONG_CREDENTIALS) from None
    if user is None or not user.is_active:
        raise Unauthorized(WRONG_CREDENTIALS)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    if address is not None:
        _remember_sign_in_address(user, address)
    db.session.commit()
    return issue_token(user)


def _address_digest(address: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), address.encode(), hashlib.sha256).hexdigest()


def _remember_sign_in_address(user: User, address: str) -> None:
    cutoff = now() - timedelta(days=current_app.config["SIGN_IN_ADDRESS_DAYS"])
    stale = SignInAddress.last_signed_in_at < cutoff
    db.session.execute(delete(SignInAddress).where(SignInAddress.user_id == user.id, stale))
    # An upsert: two sign-ins from one new address at once must not collide on the key.
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(SignInAddress).values(user_id=user.id, address_digest=_address_digest(address))
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "address_digest"], set_={"last_signed_in_at": func.now()}
        )
    )


def signed_in_from(email: str, address: str) -> bool:
    """Whether the account has signed in from `address` within SIGN_IN_ADDRESS_DAYS; False when the
    database cannot say."""
    cutoff = now() - timedelta(days=current_app.config["SIGN_IN_ADDRESS_DAYS"])
    stmt = (
        select(SignInAddress.user_id)
        .join(User, User.id == SignInAddress.user_id)
        .where(
            User.email == normalize_email(email),
            SignInAddress.address_digest == _address_digest(address),
            SignInAddress.last_signed_in_at >= cutoff,
        )
    )
    try:
        return db.session.scalar(stmt) is not None
    except SQLAlchemyError:
        # The rate limiter asks this, and would take an error for its own storage failing and stop
        # using Redis; the limit simply applies instead.
        db.session.rollback()
        return False


def change_password(user: User, current_password: str, new_password: str) -> IssuedToken:
    """Set a new password; every token issued before dies, and the answer carries a fresh one."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise InvalidField("current_password", _("Wrong password.")) from None
    if new_password == current_password:
        raise InvalidField("new_password", _("Must differ from the current password."))
    check_password_strength(new_password, user.email, user.display_name, field="new_password")
    user.password_hash = hasher.hash(new_password)
    user.token_version += 1
    # Whoever signed in with the old password no longer guesses from an address spared the limit.
    db.session.execute(delete(SignInAddress).where(SignInAddress.user_id == user.id))
    audit.record(user, "change_password", user.id)
    db.session.commit()
    return issue_token(user)


def issue_token(user: User, now: float | None = None) -> IssuedToken:
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    token = tokens.issue(current_app.config["SECRET_KEY"], user.id, user.token_version, ttl, now=now)
    return IssuedToken(access_token=token, expires_in=ttl)


def user_from_token(token: str) -> User:
    claims = tokens.verify(current_app.config["SECRET_KEY"], token)
    # The caller's roles with them, in one query: most requests ask what the caller may do.
    user = db.session.get(User, claims.user_id, options=[joinedload(User.role_grants)]) if claims else None
    if claims is None or user is None or not user.is_active or user.token_version != claims.token_version:
        # N_: the reader's locale is being chosen from this very token, so it is translated when shown.
        raise Unauthorized(N_("The token is invalid or has expired."))
    return user


def choose_locale(user: User, locale: str | None) -> User:
    """The user's language for messages and mails from now on (None: their browser's)."""
    user.locale = locale
    db.session.commit()
    return user


# Admin use cases ---------------------------------------------------------------


def list_users(actor: User, email: str | None, role: str | None) -> Select[Any]:
    require_admin(actor)
    stmt = select(User).order_by(User.id)
    if email:
        stmt = stmt.where(User.email == normalize_email(email))
    if role:
        stmt = stmt.where(User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == role)))
    return stmt


def get_user(actor: User, user_id: int) -> User:
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user %(id)s.", id=user_id))
    return user


def grant_role(actor: User, user_id: int, role: str, region_code: str | None) -> User:
    """Grant admin, or region officer of one region; granting what is held already changes nothing."""
    user = get_user(actor, user_id)
    region_code = _check_grant(role, region_code)
    if not user.is_email_verified:
        # The admin found this account by its address; until its holder proves the address is
        # theirs, it may be a stranger's who registered it first.
        raise AccountNotVerified()
    if not any(g.role == role and g.region_code == region_code for g in user.role_grants):
        user.role_grants.append(RoleGrant(role=role, region_code=region_code, granted_by_id=actor.id))
        audit.record(user, "grant_role", actor.id, details={"role": role, "region_code": region_code})
        db.session.commit()
    return user


def revoke_role(actor: User, user_id: int, role: str, region_code: str | None) -> User:
    """Revoke a role; never admin from the last active admin, who alone could grant it again."""
    user = get_user(actor, user_id)
    region_code = _check_grant(role, region_code)
    grant = next((g for g in user.role_grants if g.role == role and g.region_code == region_code), None)
    if grant is None:
        raise NotFound(_("User %(id)s does not hold that role.", id=user_id))
    if role == "admin" and user.is_active:
        _keep_an_admin(
            user, _("The last active admin cannot lose the admin role: grant it to another user first.")
        )
    user.role_grants.remove(grant)
    audit.record(user, "revoke_role", actor.id, details={"role": role, "region_code": region_code})
    db.session.commit()
    return user


def _check_grant(role: str, region_code: str | None) -> str | None:
    if role not in GRANTABLE_ROLES:
        raise InvalidField("role", _("Must be one of %(choices)s.", choices=", ".join(GRANTABLE_ROLES)))
    if role == "admin":
        if region_code:
            raise InvalidField("region_code", _("An admin grant has no region."))
        return None
    if not region_code:
        raise InvalidField("region_code", _("A region officer needs a region."))
    return require_region(region_code, "region_code").code


class LastAdmin(Conflict):
    error_code = "last_admin"


# Any number will do, so long as nothing else takes the same advisory lock.
ADMIN_SET_LOCK = 7_301_001


def _keep_an_admin(user: User, message: str) -> None:
    """Refuse when `user` is the only active admin. Two admins each removing the other must not both
    see the other still there: on PostgreSQL such changes queue on one lock, and the count is a
    statement after it, so it sees what the one before committed."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(ADMIN_SET_LOCK)))
    others = db.session.scalar(
        select(func.count())
        .select_from(RoleGrant)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == "admin", User.is_active, User.id != user.id)
    )
    if not others:
        raise LastAdmin(message)


def deactivate_user(actor: User, user_id: int, reason: str) -> User:
    """Deactivate an account: its tokens stop working at once and it cannot sign in. Never the last
    active admin."""
    user = get_user(actor, user_id)
    if not user.is_active:
        return user
    if user.is_admin:
        _keep_an_admin(user, _("The last active admin cannot be deactivated: make another user admin first."))
    user.is_active = False
    # Reactivation must not bring back the tokens issued before.
    user.token_version += 1
    audit.record(user, "deactivate", actor.id, from_status="active", to_status="inactive", reason=reason)
    db.session.commit()
    return user


def reactivate_user(actor: User, user_id: int, reason: str | None) -> User:
    """Let a deactivated account sign in again; the tokens it held stay dead."""
    user = get_user(actor, user_id)
    if user.is_active:
        return user
    user.is_active = True
    audit.record(user, "reactivate", actor.id, from_status="inactive", to_status="active", reason=reason)
    db.session.commit()
    return user


def create_verified_user(email: str, password: str, display_name: str) -> User:
    """A new account whose address the operator vouches for (the CLI, the demo); flushed, not
    committed."""
    user = User(
        email=normalize_email(email),
        password_hash=_hasher().hash(password),
        display_name=display_name,
        email_verified_at=now(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_admin(email: str, password: str, display_name: str) -> tuple[User, bool]:
    """Create an admin (its address taken as verified: the operator vouches for it), or make an
    existing verified user one, whose password stays theirs; returns (user, created). An existing
    account that never verified its address is refused: whoever registered it may not own it."""
    user = _find_user(email)
    created = user is None
    if user is None:
        check_password_strength(password, normalize_email(email), display_name)
        user = create_verified_user(email, password, display_name)
    elif not user.is_email_verified:
        raise AccountNotVerified(
            _(
                "%(email)s has an account that never verified its address, so it may be a stranger's. "
                "Reset its password through the mailed link (POST /api/v1/auth/password-reset), which "
                "verifies it, then run this again; or use another address.",
                email=user.email,
            )
        )
    if not user.is_admin:
        user.role_grants.append(RoleGrant(role="admin"))
        audit.record(user, "grant_role", None, details={"role": "admin", "region_code": None})
    db.session.commit()
    return user, created
