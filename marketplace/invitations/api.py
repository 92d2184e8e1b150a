from flask import current_app
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.invitations import services
from marketplace.invitations.schemas import InvitationSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint

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
