from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, account_key, require_user
from marketplace.agencies import services
from marketplace.agencies.schemas import (
    AgencyCreateSchema,
    AgencyMemberAddSchema,
    AgencySchema,
    FilingCreateSchema,
    FilingSchema,
    ReturnSchema,
)
from marketplace.extensions import limiter
from marketplace.invitations.api import invite_limit
from marketplace.invitations.schemas import InvitationQueryArgsSchema, InvitationSchema, InvitationSentSchema
from marketplace.pagination import page_of
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


@blp.route("/agencies/<int:agency_id>/members")
class AgencyMembers(MethodView):
    decorators = [limiter.limit(invite_limit, key_func=account_key, methods=["POST"])]

    @blp.arguments(AgencyMemberAddSchema)
    @blp.response(202, InvitationSentSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, agency_id):
        """邀请单位成员

        Invite an address to a role (admin): it is mailed an invitation that its owner, signed in
        with the address verified, accepts. The same answer whether or not the address has an account."""
        return services.invite_member(require_user(), agency_id, body["email"], body["role"])


@blp.route("/agencies/<int:agency_id>/invitations")
class AgencyInvitations(MethodView):
    @blp.arguments(InvitationQueryArgsSchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, agency_id, pagination_parameters):
        """单位邀请列表

        The agency's invitations (admin), newest first: `?status=pending|accepted|revoked|expired`."""
        stmt = services.list_invitations(require_user(), agency_id, args.get("status"))
        return page_of(stmt, pagination_parameters)


@blp.route("/agencies/<int:agency_id>/invitations/<int:invitation_id>")
class AgencyInvitation(MethodView):
    @blp.response(200, InvitationSchema)
    @blp.doc(security=SECURITY)
    def delete(self, agency_id, invitation_id):
        """撤销单位邀请

        Revoke a pending invitation (admin)."""
        return services.revoke_invitation(require_user(), agency_id, invitation_id)


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
