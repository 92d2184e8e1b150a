"""The accounts' mail: address verification and password reset, rendered when sent (marketplace.mail)."""

from flask import current_app

from marketplace import mail
from marketplace.accounts import tokens
from marketplace.accounts.models import User
from marketplace.extensions import db

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


@mail.template(VERIFY_EMAIL)
def verify_email(user_id: int) -> mail.Mail | None:
    user = _recipient(user_id)
    if user is None or user.is_email_verified:
        return None
    token = verification_token(user)
    hours = _hours("EMAIL_VERIFICATION_TTL_SECONDS")
    return mail.Mail(
        to=user.email,
        subject="请验证您的邮箱 / Verify your email address",
        text=f"""{user.display_name}，您好：

请登录后打开以下链接，验证 {user.email} 是您的邮箱（{hours} 小时内有效）：
{mail.link("/verify-email", token=token)}

验证之后，他人才能以此邮箱邀请您加入供应商或采购单位。如果您没有注册，请忽略本邮件。

Hello {user.display_name},

Sign in, then open this link to confirm that {user.email} is yours (valid for {hours} hours):
{mail.link("/verify-email", token=token)}

Until it is verified, no one can invite this address to a supplier or an agency. If you did not
register, ignore this mail.

(API: POST /api/v1/auth/verify-email {{"token": "{token}"}}, signed in.)
""",
    )


def _reset_text(user: User, token: str) -> str:
    minutes = max(1, current_app.config["PASSWORD_RESET_TTL_SECONDS"] // 60)
    return f"""请打开以下链接设置新密码（{minutes} 分钟内有效，仅可使用一次）：
{mail.link("/reset-password", token=token)}

设置新密码也将验证此邮箱，并使此账户在所有设备上的登录失效。

Open this link to set a new password (valid for {minutes} minutes, once):
{mail.link("/reset-password", token=token)}

Setting it also verifies this address and signs the account out everywhere.

(API: POST /api/v1/auth/password-reset/confirm {{"token": "{token}", "new_password": "..."}})
"""


@mail.template(ALREADY_REGISTERED)
def already_registered(user_id: int) -> mail.Mail | None:
    user = _recipient(user_id)
    if user is None:
        return None
    return mail.Mail(
        to=user.email,
        subject="此邮箱已注册 / This address is registered already",
        text=f"""有人（也许是您）尝试用 {user.email} 注册。此邮箱已有账户，请直接登录。
如果您忘记了密码，或此账户并非您本人注册，请设置新密码：

Someone, perhaps you, tried to register with {user.email}, which has an account already: sign in.
If you forgot its password, or did not create it, set a new one:

{_reset_text(user, reset_token(user))}""",
    )


@mail.template(PASSWORD_RESET)
def password_reset(user_id: int) -> mail.Mail | None:
    user = _recipient(user_id)
    if user is None:
        return None
    return mail.Mail(
        to=user.email,
        subject="重置密码 / Reset your password",
        text=f"""有人（也许是您）请求重置 {user.email} 的密码。如果不是您，请忽略本邮件。

Someone, perhaps you, asked to reset the password of {user.email}. If it was not you, ignore this.

{_reset_text(user, reset_token(user))}""",
    )
