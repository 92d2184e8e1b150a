from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.accounts import services
from marketplace.accounts.auth import SECURITY, require_user
from marketplace.accounts.models import normalize_email
from marketplace.accounts.schemas import (
    MailSentSchema,
    MeSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RegisteredSchema,
    RegisterSchema,
    RoleGrantArgsSchema,
    RoleRevokeArgsSchema,
    TokenRequestSchema,
    TokenSchema,
    UserQueryArgsSchema,
    UserSchema,
    VerifyEmailSchema,
)
from marketplace.extensions import limiter
from marketplace.pagination import page_of

blp = Blueprint("accounts", __name__, description="Registration, tokens, users and roles")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def email_in_body() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"email:{normalize_email(email)}" if isinstance(email, str) else "email:-"


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [limiter.limit(login_limit)]

    @blp.arguments(RegisterSchema)
    @blp.response(201, RegisteredSchema)
    def post(self, body):
        """Create a buyer account. The answer is the same whether or not the email was registered."""
        return services.register_user(**body)


@blp.route("/auth/token")
class Token(MethodView):
    # Per address, and per account so that many addresses cannot guess one password.
    decorators = [limiter.limit(login_limit), limiter.limit(login_limit, key_func=email_in_body)]

    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        return services.authenticate(body["email"], body["password"])


def token_in_header() -> str:
    """Throttle password changes per token too, so a stolen token cannot guess the password from
    many addresses."""
    header = request.headers.get("Authorization", "")
    return "password:" + header[-32:]


@blp.route("/auth/password")
class Password(MethodView):
    decorators = [limiter.limit(login_limit), limiter.limit(login_limit, key_func=token_in_header)]

    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Change the caller's password. Every token issued before, on every device, stops working;
        the answer is a fresh token."""
        return services.change_password(require_user(), body["current_password"], body["new_password"])


def mail_limit() -> str:
    return current_app.config["MAIL_RATE_LIMIT"]


def caller_key() -> str:
    """The caller's token, to throttle per account whichever address they come from."""
    return "caller:" + request.headers.get("Authorization", "")[-32:]


RESET_REQUESTED = (
    "If an account has this address, a link to set a new password was mailed to it. "
    "It is valid for a limited time and can be used once."
)


@blp.route("/auth/verify-email")
class VerifyEmail(MethodView):
    decorators = [limiter.limit(login_limit)]

    @blp.arguments(VerifyEmailSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Verify the caller's address with the token of the mailed link; signed in as the account
        it was sent for."""
        return services.verify_email(require_user(), body["token"])


@blp.route("/auth/verify-email/resend")
class ResendVerification(MethodView):
    decorators = [limiter.limit(login_limit), limiter.limit(mail_limit, key_func=caller_key)]

    @blp.response(202, MailSentSchema)
    @blp.doc(security=SECURITY)
    def post(self):
        """Mail the caller's own address a fresh verification link."""
        user = require_user()
        services.resend_verification(user)
        return {"message": f"A verification link was mailed to {user.email}."}


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    # Per address, and per email so that many addresses cannot flood one mailbox.
    decorators = [limiter.limit(login_limit), limiter.limit(mail_limit, key_func=email_in_body)]

    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, MailSentSchema)
    def post(self, body):
        """Mail a link to set a new password. The answer is the same whether or not the address has
        an account."""
        services.request_password_reset(body["email"])
        return {"message": RESET_REQUESTED}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    decorators = [limiter.limit(login_limit)]

    @blp.arguments(PasswordResetSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Set a new password with the mailed link's token; it verifies the address, signs the
        account out everywhere, and answers with a fresh token."""
        return services.reset_password(body["token"], body["new_password"])


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        return services.describe_user(require_user())


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        stmt = services.list_users(require_user(), args.get("email"), args.get("role"))
        return page_of(stmt, pagination_parameters)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def get(self, user_id):
        return services.get_user(require_user(), user_id)


@blp.route("/users/<int:user_id>/roles")
class UserRoles(MethodView):
    @blp.arguments(RoleGrantArgsSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, user_id):
        """Grant admin, or region officer of `region_code`."""
        return services.grant_role(require_user(), user_id, body["role"], body["region_code"])

    @blp.arguments(RoleRevokeArgsSchema, location="query")
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def delete(self, args, user_id):
        """Revoke a role: `?role=region_officer&region_code=500236`."""
        return services.revoke_role(require_user(), user_id, args["role"], args["region_code"])
