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
    title = fields.Function(texts.title, metadata={"description": "the kind, in the reader's language"})
    message = fields.Function(
        texts.message,
        metadata={"description": "in the reader's language, worded when read; money formatted from fen"},
    )
    details = fields.Dict(
        allow_none=True,
        metadata={
            "description": "e.g. suggested_agencies for unsold stock; achieved and expected for targets"
        },
    )
    due_on = fields.Date()
    created_at = Timestamp()


class AlertQueryArgsSchema(QueryArgsSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))


@blp.route("/alerts")
class Alerts(MethodView):
    @blp.arguments(AlertQueryArgsSchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """预警列表

        Open alerts in the caller's regions, soonest due first: targets behind pace, certificates
        expiring, unsold stock (滞销) with agencies suggested to buy, payments never reconciled."""
        return page_of(services.list_alerts(require_user(), args.get("kind")), pagination_parameters)
