import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.alerts import services, texts
from marketplace.alerts.models import KINDS
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.schemas import QueryArgsSchema, Timestamp, WholeNumber

blp = Blueprint("alerts", __name__, description="预警：面向地区工作人员和管理员")


class AlertSchema(ma.Schema):
    id = WholeNumber()
    kind = fields.String()
    subject_type = fields.String()
    subject_id = WholeNumber()
    region_code = fields.String(allow_none=True, metadata={"description": "none: for admins"})
    region_name = fields.String(allow_none=True, metadata={"description": "e.g. 奉节县"})
    supplier_id = WholeNumber(allow_none=True)
    supplier_name = fields.String(allow_none=True)
    title = fields.Function(
        texts.title, metadata={"type": "string", "description": "the kind, in the reader's language"}
    )
    message = fields.Function(
        texts.message,
        metadata={
            "type": "string",
            "description": "in the reader's language, worded when read; money formatted from fen",
        },
    )
    details = fields.Dict(
        allow_none=True,
        metadata={
            "description": "e.g. suggested_agencies for unsold stock; achieved and expected for targets"
        },
    )
    due_on = fields.Date()
    created_at = Timestamp()
    resolved_at = Timestamp(allow_none=True, metadata={"description": "none: open"})
    resolved_by_name = fields.String(
        allow_none=True, metadata={"description": "who marked it handled; none: open, or its cause went"}
    )


class AlertQueryArgsSchema(QueryArgsSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
    resolved = fields.Boolean(
        load_default=False, metadata={"description": "true: the resolved ones, the last resolved first"}
    )


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(AlertQueryArgsSchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """预警列表

        Open alerts in the caller's regions, soonest due first: targets behind pace, certificates
        expiring, unsold stock (滞销) with agencies suggested to buy, payments never reconciled;
        with `resolved=true`, those resolved, the last resolved first."""
        stmt = services.list_alerts(require_user(), args.get("kind"), args["resolved"])
        return page_of(stmt, pagination_parameters)


@blp.route("/alerts/<int:alert_id>/resolve")
class ResolveAlert(MethodView):
    @blp.response(200, AlertSchema)
    @blp.alt_response(409, description="resolved already")
    @blp.doc(security=SECURITY)
    def post(self, alert_id):
        """处理预警

        Mark an open alert handled (处理完毕): officers of its region or above, admins; an alert
        with no region (payments) only admins. The daily task does not open it again."""
        return services.resolve_alert(require_user(), alert_id)
