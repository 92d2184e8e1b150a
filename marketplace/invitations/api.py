from flask import current_app
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, account_key, require_user
from marketplace.agencies.schemas import AgencyMemberAddSchema
from marketplace.extensions import limiter
from marketplace.invitations import services
from marketplace.invitations.schemas import InvitationQueryArgsSchema, InvitationSchema, InvitationSentSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.suppliers.schemas import MemberAddSchema

blp = Blueprint("invitations", __name__, description="邀请：以邮件邀请加入供应商与预算单位")


def invite_limit() -> str:
    return current_app.config["INVITE_RATE_LIMIT"]


@blp.route("/me/invitations")
class MyInvitations(MethodView):
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, pagination_parameters):
        """我的待接受邀请

        Pending invitations to the caller's address, once the caller has verified it."""
        return page_of(services.pending_for(require_user()), pagination_parameters)


@blp.route("/invitations/<int:invitation_id>/accept")
class AcceptInvitation(MethodView):
    @blp.response(200, InvitationSchema)
    @blp.doc(security=SECURITY)
    def post(self, invitation_id):
        """接受邀请

        Accept an invitation to the caller's verified address: the membership or role is granted."""
        return services.accept_invitation(require_user(), invitation_id)


# A supplier's and an agency's invitations, documented with the supplier and the agency they are made for.


@blp.route("/suppliers/<int:supplier_id>/members", tags=["suppliers"])
class SupplierMembers(MethodView):
    decorators = [limiter.limit(invite_limit, key_func=account_key, methods=["POST"])]

    @blp.arguments(MemberAddSchema)
    @blp.response(202, InvitationSentSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, supplier_id):
        """邀请供应商成员

        Invite an address to become a member: it is mailed an invitation that its owner, signed in
        with the address verified, accepts. The same answer whether or not the address has an account."""
        return services.invite_supplier_member(require_user(), supplier_id, body["email"])


@blp.route("/suppliers/<int:supplier_id>/invitations", tags=["suppliers"])
class SupplierInvitations(MethodView):
    @blp.arguments(InvitationQueryArgsSchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, supplier_id, pagination_parameters):
        """供应商邀请列表

        The supplier's invitations, newest first: `?status=pending|accepted|revoked|expired`."""
        stmt = services.supplier_invitations(require_user(), supplier_id, args.get("status"))
        return page_of(stmt, pagination_parameters)


@blp.route("/suppliers/<int:supplier_id>/invitations/<int:invitation_id>", tags=["suppliers"])
class SupplierInvitation(MethodView):
    @blp.response(200, InvitationSchema)
    @blp.doc(security=SECURITY)
    def delete(self, supplier_id, invitation_id):
        """撤销供应商邀请

        Revoke a pending invitation."""
        return services.revoke_supplier_invitation(require_user(), supplier_id, invitation_id)


@blp.route("/agencies/<int:agency_id>/members", tags=["agencies"])
class AgencyMembers(MethodView):
    decorators = [limiter.limit(invite_limit, key_func=account_key, methods=["POST"])]

    @blp.arguments(AgencyMemberAddSchema)
    @blp.response(202, InvitationSentSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, agency_id):
        """邀请单位成员

        Invite an address to a role (admin): it is mailed an invitation that its owner, signed in
        with the address verified, accepts. The same answer whether or not the address has an account."""
        return services.invite_agency_member(require_user(), agency_id, body["email"], body["role"])


@blp.route("/agencies/<int:agency_id>/invitations", tags=["agencies"])
class AgencyInvitations(MethodView):
    @blp.arguments(InvitationQueryArgsSchema, location="query")
    @blp.response(200, InvitationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, agency_id, pagination_parameters):
        """单位邀请列表

        The agency's invitations (admin), newest first: `?status=pending|accepted|revoked|expired`."""
        stmt = services.agency_invitations(require_user(), agency_id, args.get("status"))
        return page_of(stmt, pagination_parameters)


@blp.route("/agencies/<int:agency_id>/invitations/<int:invitation_id>", tags=["agencies"])
class AgencyInvitation(MethodView):
    @blp.response(200, InvitationSchema)
    @blp.doc(security=SECURITY)
    def delete(self, agency_id, invitation_id):
        """撤销单位邀请

        Revoke a pending invitation (admin)."""
        return services.revoke_agency_invitation(require_user(), agency_id, invitation_id)
