from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.agencies import services
from marketplace.agencies.schemas import (
    AgencyCreateSchema,
    AgencySchema,
    FilingCreateSchema,
    FilingSchema,
    ReturnSchema,
)
from marketplace.parsing import Blueprint

blp = Blueprint("agencies", __name__, description="预算单位：单位信息、年度预留份额填报与完成情况")


@blp.route("/agencies")
class Agencies(MethodView):
    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """创建采购单位

        Create an agency (admin); with a budget and share, this year's filing too."""
        return services.create_agency(require_user(), body)


@blp.route("/agencies/<int:agency_id>")
class AgencyById(MethodView):
    @blp.response(200, AgencySchema)
    @blp.doc(security=SECURITY)
    def get(self, agency_id):
        """查看采购单位"""
        return services.get_agency(require_user(), agency_id)


@blp.route("/agencies/<int:agency_id>/filings/<int:year>")
class Filing(MethodView):
    @blp.arguments(FilingCreateSchema)
    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def put(self, body, agency_id, year):
        """填报年度预算与预留比例

        File the year's canteen budget and reserved share (basis points), or an exemption."""
        return services.file_filing(require_user(), agency_id, year, body)

    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def get(self, agency_id, year):
        """查看年度填报

        The agency's own members and the approvers of its lead units read its filing."""
        return services.get_filing(require_user(), agency_id, year)


@blp.route("/agencies/<int:agency_id>/filings/<int:year>/return")
class ReturnFiling(MethodView):
    @blp.arguments(ReturnSchema)
    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, agency_id, year):
        """退回下级单位的填报

        A lead unit's approver sends a subordinate's filing back."""
        return services.return_filing(require_user(), agency_id, year, body["reason"])
