"""The accounts' mail: address verification and password reset, rendered when sent (marketplace.mail)
in the recipient's language."""

import json
from collections.abc import Callable

from flask import current_app

from marketplace import mail
from marketplace.accounts import tokens
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.i18n import _

VERIFY_EMAIL = "accounts.verify_email"
ALREADY_REGISTERED = "accounts.already_registered"
PASSWORD_RESET = "accounts.password_reset"


def verification_token(user: User) -> str:
    return tokens.issue_mailed(
        current_app.config["SECRET_KEY"], tokens.VERIFY_EMAIL_SALT, user.id, user.email, user.token_version
    )


def reset_token(user: User) -> str:
    return tokens.issue_mailed(
        current_app.config["SECRET_KEY"], tokens.PASSWORD_RESET_SALT, user.id, user.email, user.token_version
    )


def _hours(seconds_key: str) -> int:
    return max(1, current_app.config[seconds_key] // 3600)


def _recipient(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def _paragraphs(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


@mail.template(VERIFY_EMAIL)
def verify_email(user_id: int) -> mail.Mail | None:
    user = _recipient(user_id)
    if user is None or user.is_email_verified:
        return None
    token = verification_token(user)
    hours = _hours("EMAIL_VERIFICATION_TTL_SECONDS")
    with mail.in_language(user.locale):
        return mail.Mail(
            to=user.email,
            subject=_("Verify your email address"),
            text=_paragraphs(
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "Sign in, then open this link to confirm that %(email)s is yours "
                    "(valid for %(hours)s h):",
                    email=user.email,
                    hours=hours,
                )
                + "\n"
                + mail.link("/verify-email", token=token),
                _(
                    "Until it is verified, no one can invite this address to a supplier or an agency. "
                    "If you did not register, ignore this mail."
                ),
                _(
                    "(API: %(call)s, signed in.)",
                    call="POST /api/v1/auth/verify-email " + json.dumps({"token": token}),
                ),
            ),
        )


def _reset_text(user: User, token: str) -> str:
    minutes = max(1, current_app.config["PASSWORD_RESET_TTL_SECONDS"] // 60)
    body = {"token": token, "new_password": "..."}
    return _paragraphs(
        _("Open this link to set a new password (valid for %(minutes)s min, once):", minutes=minutes)
        + "\n"
        + mail.link("/reset-password", token=token),
        _("Setting it also verifies this address and signs the account out everywhere."),
        _("(API: %(call)s)", call="POST /api/v1/auth/password-reset/confirm " + json.dumps(body)),
    )


def _reset_mail(user_id: int, subject: Callable[[], str], opening: Callable[[str], str]) -> mail.Mail | None:
    """A mail that says why it was sent, then gives the reset link, in the recipient's language
    (the texts are functions: they are translated inside it)."""
    user = _recipient(user_id)
    if user is None:
        return None
    with mail.in_language(user.locale):
        return mail.Mail(
            to=user.email,
            subject=subject(),
            text=opening(user.email) + "\n\n" + _reset_text(user, reset_token(user)),
        )


@mail.template(ALREADY_REGISTERED)
def already_registered(user_id: int) -> mail.Mail | None:
    return _reset_mail(
        user_id,
        lambda: _("This address is registered already"),
        lambda email: _(
            "Someone, perhaps you, tried to register with %(email)s, which has an account already: "
            "sign in. If you forgot its password, or did not create it, set a new one:",
            email=email,
        ),
    )


@mail.template(PASSWORD_RESET)
def password_reset(user_id: int) -> mail.Mail | None:
    return _reset_mail(
        user_id,
        lambda: _("Reset your password"),
        lambda email: _(
            "Someone, perhaps you, asked to reset the password of %(email)s. If it was not you, ignore this.",
            email=email,
        ),
    )
