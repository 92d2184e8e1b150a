from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.agencies import services
from marketplace.agencies.schemas import (
    AgencyCreateSchema,
    AgencyMemberAddSchema,
    AgencySchema,
    FilingCreateSchema,
    FilingSchema,
    QuotaSchema,
    ReturnSchema,
    StandingArgsSchema,
    UnitQuotaSchema,
    YearArgsSchema,
)
from marketplace.parsing import Blueprint
from marketplace.procurement import quota as quotas
from marketplace.timeutil import china_today

blp = Blueprint("agencies", __name__, description="Agencies, their filings and reserved-share quotas")


@blp.route("/agencies")
class Agencies(MethodView):
    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Create an agency (admin); with a budget and share, this year's filing too."""
        return services.create_agency(require_user(), body)


@blp.route("/agencies/standings")
class Standings(MethodView):
    @blp.arguments(StandingArgsSchema, location="query")
    @blp.response(200, UnitQuotaSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Officers and admins: each agency's standing, e.g. `?status=behind` or `?status=not_filed`."""
        year = args.get("year") or china_today().year
        return quotas.standings(require_user(), year, args.get("status"), args.get("region"))


@blp.route("/agencies/<int:agency_id>")
class AgencyById(MethodView):
    @blp.response(200, AgencySchema)
    @blp.doc(security=SECURITY)
    def get(self, agency_id):
        return services.get_agency(require_user(), agency_id)


@blp.route("/agencies/<int:agency_id>/members")
class AgencyMembers(MethodView):
    @blp.arguments(AgencyMemberAddSchema)
    @blp.response(200, AgencySchema)
    @blp.doc(security=SECURITY)
    def post(self, body, agency_id):
        return services.add_member(require_user(), agency_id, body["email"], body["role"])


@blp.route("/agencies/<int:agency_id>/filings/<int:year>")
class Filing(MethodView):
    @blp.arguments(FilingCreateSchema)
    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def put(self, body, agency_id, year):
        """File the year's canteen budget and reserved share (basis points), or an exemption."""
        return services.file_filing(require_user(), agency_id, year, body)

    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def get(self, agency_id, year):
        """The agency's own members and the approvers of its lead units read its filing."""
        return services.get_filing(require_user(), agency_id, year)


@blp.route("/agencies/<int:agency_id>/filings/<int:year>/return")
class ReturnFiling(MethodView):
    @blp.arguments(ReturnSchema)
    @blp.response(200, FilingSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, agency_id, year):
        """A lead unit's approver sends a subordinate's filing back."""
        return services.return_filing(require_user(), agency_id, year, body["reason"])


@blp.route("/agencies/<int:agency_id>/quota")
class Quota(MethodView):
    @blp.arguments(YearArgsSchema, location="query")
    @blp.response(200, QuotaSchema)
    @blp.doc(security=SECURITY)
    def get(self, args, agency_id):
        """The reserved share: budget, reserved, purchased (certified, paid), with subordinates rolled up."""
        return quotas.quota(require_user(), agency_id, args.get("year") or china_today().year)
