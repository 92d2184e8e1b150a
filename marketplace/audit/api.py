from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.audit import services
from marketplace.audit.schemas import AuditEventSchema, AuditQueryArgsSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint

blp = Blueprint("audit", __name__, description="审计记录：各业务的操作留痕")


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
        return page_of(services.search(require_user(), **args), pagination_parameters)
