from flask.views import MethodView

from marketplace.accounts import services as accounts
from marketplace.accounts.auth import SECURITY, require_user
from marketplace.accounts.schemas import MeSchema, MeUpdateSchema
from marketplace.audit.schemas import AuditEventSchema, AuditQueryArgsSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.portal import services

blp = Blueprint("portal", __name__, description="跨业务：当前用户及其角色与所属单位、审计记录")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """查看当前用户"""
        return services.describe_user(require_user())

    @blp.arguments(MeUpdateSchema)
    @blp.response(200, MeSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body):
        """设置界面与邮件语言

        Choose the language ("zh-CN" or "en") of your messages and mails; null follows your
        browser's Accept-Language."""
        return services.describe_user(accounts.choose_locale(require_user(), body["locale"]))


@blp.route("/audit-events")
class AuditEvents(MethodView):
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """审计日志

        Who did what to which object, newest first (admins): role grants, target edits, reviews,
        verifications, payments reconciled, refunds, password changes, ..."""
        return page_of(services.audit_trail(require_user(), **args), pagination_parameters)
