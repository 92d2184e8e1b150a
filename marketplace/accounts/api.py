import hashlib

from flask import current_app, request
from flask.views import MethodView

from marketplace.accounts import addresses, services
from marketplace.accounts.auth import SECURITY, account_key, require_user
from marketplace.accounts.models import normalize_email
from marketplace.accounts.schemas import (
    AddressCreateSchema,
    AddressSchema,
    AddressUpdateSchema,
    DeactivateSchema,
    MailSentSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    ReactivateSchema,
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
from marketplace.i18n import N_, _
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.ratelimit import client_address

blp = Blueprint("accounts", __name__, description="账户：注册、登录令牌、用户与角色")


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _email() -> str | None:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return normalize_email(email) if isinstance(email, str) else None


def email_in_body() -> str:
    return f"email:{_email() or '-'}"


def email_from_address() -> str:
    return f"email:{_email() or '-'}@{client_address()}"


def signed_in_here_before() -> bool:
    email = _email()
    if email is None:
        return False
    return services.signed_in_from(email, client_address())


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [limiter.limit(login_limit)]

    @blp.arguments(RegisterSchema)
    @blp.response(201, RegisteredSchema)
    def post(self, body):
        """注册买家账号

        Create a buyer account. The answer is the same whether or not the email was registered."""
        return services.register_user(**body)


@blp.route("/auth/token")
class Token(MethodView):
    # Per account from one address: wrong passwords from one place lock out that place only. Per
    # address: one place guessing many accounts. Per account from addresses it has not signed in
    # from: many places guessing one account, while the owner signs in from their own.
    decorators = [
        limiter.limit(login_limit, key_func=email_from_address),
        limiter.limit(login_address_limit),
        limiter.limit(login_account_limit, key_func=email_in_body, exempt_when=signed_in_here_before),
    ]

    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """登录：签发访问令牌"""
        return services.authenticate(body["email"], body["password"], address=client_address())


def token_in_header() -> str:
    """Throttle password changes per token too, so a stolen token cannot guess the password from
    many addresses. A token with anything added is refused (tokens.verify), so it buys no new count."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return "password:" + hashlib.sha256(token.encode()).hexdigest()[:32]


@blp.route("/auth/password")
class Password(MethodView):
    decorators = [limiter.limit(login_limit), limiter.limit(login_limit, key_func=token_in_header)]

    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """修改密码

        Change the caller's password. Every token issued before, on every device, stops working;
        the answer is a fresh token."""
        return services.change_password(require_user(), body["current_password"], body["new_password"])


def mail_limit() -> str:
    return current_app.config["MAIL_RATE_LIMIT"]


RESET_REQUESTED = N_(
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
        """验证邮箱

        Verify the caller's address with the token of the mailed link; signed in as the account
        it was sent for."""
        return services.verify_email(require_user(), body["token"])


@blp.route("/auth/verify-email/resend")
class ResendVerification(MethodView):
    decorators = [limiter.limit(login_limit), limiter.limit(mail_limit, key_func=account_key)]

    @blp.response(202, MailSentSchema)
    @blp.doc(security=SECURITY)
    def post(self):
        """重发邮箱验证链接

        Mail the caller's own address a fresh verification link."""
        user = require_user()
        services.resend_verification(user)
        return {"message": _("A verification link was mailed to %(email)s.", email=user.email)}


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    # Per address, and per email so that many addresses cannot flood one mailbox.
    decorators = [limiter.limit(login_limit), limiter.limit(mail_limit, key_func=email_in_body)]

    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, MailSentSchema)
    def post(self, body):
        """申请重置密码

        Mail a link to set a new password. The answer is the same whether or not the address has
        an account."""
        services.request_password_reset(body["email"])
        return {"message": _(RESET_REQUESTED)}


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    decorators = [limiter.limit(login_limit)]

    @blp.arguments(PasswordResetSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """确认重置密码

        Set a new password with the mailed link's token; it verifies the address, signs the
        account out everywhere, and answers with a fresh token."""
        return services.reset_password(body["token"], body["new_password"])


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """用户列表"""
        stmt = services.list_users(require_user(), args.get("email"), args.get("role"))
        return page_of(stmt, pagination_parameters)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def get(self, user_id):
        """查看用户"""
        return services.get_user(require_user(), user_id)


@blp.route("/users/<int:user_id>/roles")
class UserRoles(MethodView):
    @blp.arguments(RoleGrantArgsSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, user_id):
        """授予角色

        Grant admin, or region officer of `region_code`."""
        return services.grant_role(require_user(), user_id, body["role"], body["region_code"])

    @blp.arguments(RoleRevokeArgsSchema, location="query")
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def delete(self, args, user_id):
        """撤销角色

        Revoke a role: `?role=region_officer&region_code=500236`."""
        return services.revoke_role(require_user(), user_id, args["role"], args["region_code"])


@blp.route("/users/<int:user_id>/deactivate")
class UserDeactivate(MethodView):
    @blp.arguments(DeactivateSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, user_id):
        """停用账号

        Deactivate an account (admins): its tokens stop working at once and it cannot sign in.
        The last active admin cannot be deactivated (409)."""
        return services.deactivate_user(require_user(), user_id, body["reason"])


@blp.route("/users/<int:user_id>/reactivate")
class UserReactivate(MethodView):
    @blp.arguments(ReactivateSchema)
    @blp.response(200, UserSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, user_id):
        """恢复账号

        Let a deactivated account sign in again (admins); tokens issued before stay dead."""
        return services.reactivate_user(require_user(), user_id, body["reason"])


@blp.route("/me/addresses")
class Addresses(MethodView):
    @blp.response(200, AddressSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self):
        """我的收货地址

        The caller's address book, the default first."""
        return addresses.view_addresses(addresses.list_addresses(require_user()))

    @blp.arguments(AddressCreateSchema)
    @blp.response(201, AddressSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """新增收货地址

        The first address, or one sent with `is_default: true`, becomes the default; at most 20."""
        return addresses.view_addresses([addresses.add_address(require_user(), body)])[0]


@blp.route("/me/addresses/<int:address_id>")
class AddressById(MethodView):
    @blp.arguments(AddressUpdateSchema)
    @blp.response(200, AddressSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, address_id):
        """修改收货地址

        `is_default: true` makes it the default in place of the old one."""
        return addresses.view_addresses([addresses.update_address(require_user(), address_id, body)])[0]

    @blp.response(204)
    @blp.doc(security=SECURITY)
    def delete(self, address_id):
        """删除收货地址

        Deleting the default makes the most recent of the rest the default."""
        addresses.delete_address(require_user(), address_id)
