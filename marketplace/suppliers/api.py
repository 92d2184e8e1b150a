from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, current_user, require_user
from marketplace.audit.schemas import AuditEventSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.suppliers import services
from marketplace.suppliers.schemas import (
    OptionalReasonSchema,
    ReasonSchema,
    SupplierCreateSchema,
    SupplierQueryArgsSchema,
    SupplierReviewSchema,
    SupplierSchema,
)

blp = Blueprint("suppliers", __name__, description="供应商：入驻登记与区县审核")


@blp.route("/suppliers")
class Suppliers(MethodView):
    @blp.arguments(SupplierQueryArgsSchema, location="query")
    @blp.response(200, SupplierSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    def get(self, args, pagination_parameters):
        """供应商列表

        Verified suppliers; members and officers also see their own in any status.
        `?awaiting=me` (signed in): the registrations waiting for the caller's verification."""
        awaiting_me = args.get("awaiting") == "me"
        stmt = services.list_suppliers(
            require_user() if awaiting_me else current_user(),
            args.get("region"),
            args.get("kind"),
            args.get("status"),
            awaiting_me=awaiting_me,
        )
        return page_of(stmt, pagination_parameters)

    @blp.arguments(SupplierCreateSchema)
    @blp.response(201, SupplierSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """注册供应商

        Register a supplier; it is pending until its county reviews it."""
        return services.register_supplier(require_user(), body)


@blp.route("/suppliers/<int:supplier_id>")
class SupplierById(MethodView):
    @blp.response(200, SupplierSchema)
    def get(self, supplier_id):
        """查看供应商"""
        return services.get_supplier(current_user(), supplier_id)


@blp.route("/suppliers/<int:supplier_id>/verify")
class VerifySupplier(MethodView):
    @blp.arguments(SupplierReviewSchema)
    @blp.response(200, SupplierSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, supplier_id):
        """县级审核供应商

        The county's review: approve (verified) or reject with a comment."""
        return services.change_status(require_user(), supplier_id, body["decision"], body["comment"])


def _status_route(action: str, schema: type, summary: str, doc: str) -> None:
    class StatusChange(MethodView):
        @blp.arguments(schema)
        @blp.response(200, SupplierSchema)
        @blp.doc(security=SECURITY, summary=summary, description=doc)
        def post(self, body, supplier_id):
            return services.change_status(require_user(), supplier_id, action, body.get("reason"))

    StatusChange.__name__ = f"{action.title()}Supplier"
    blp.route(f"/suppliers/<int:supplier_id>/{action}")(StatusChange)


_status_route("suspend", ReasonSchema, "暂停供应商", "Suspend a verified supplier (officer, admin)")
_status_route(
    "reinstate", OptionalReasonSchema, "恢复供应商", "Reinstate a suspended supplier (officer, admin)"
)
_status_route(
    "blacklist",
    ReasonSchema,
    "将供应商列入黑名单",
    "Blacklist a supplier for good, e.g. for inflated prices (officer, admin)",
)
_status_route(
    "resubmit", OptionalReasonSchema, "重新提交注册", "Resubmit a rejected registration (its members)"
)


@blp.route("/suppliers/<int:supplier_id>/history")
class SupplierHistory(MethodView):
    @blp.response(200, AuditEventSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, supplier_id):
        """供应商状态记录

        Every status change: who, when, from, to, why."""
        return services.supplier_history(require_user(), supplier_id)
