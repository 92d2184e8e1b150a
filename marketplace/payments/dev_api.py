"""The development gateway's own route: registered only in development and test (never in
production), and answering 404 there too unless PAYMENT_GATEWAY is "dev"."""

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.i18n import _
from marketplace.orders.schemas import DevConfirmSchema
from marketplace.parsing import Blueprint
from marketplace.payments import services

blp = Blueprint("dev", __name__, description="仅限开发环境：模拟支付通道")


class DevConfirmedSchema(ma.Schema):
    outcome = fields.String()
    warning = fields.String()


@blp.route("/dev/orders/<int:order_id>/confirm-payment")
class DevConfirm(MethodView):
    @blp.arguments(DevConfirmSchema)
    @blp.response(200, DevConfirmedSchema)
    @blp.doc(security=SECURITY)
    def post(self, body: dict[str, bool], order_id: int) -> dict[str, str]:
        """模拟支付结果（仅开发环境）

        DEVELOPMENT GATEWAY ONLY (404 otherwise): pay, or fail to pay, an order locally."""
        outcome = services.confirm_dev_payment(require_user(), order_id, body["succeed"])
        return {"outcome": outcome, "warning": _("DEVELOPMENT GATEWAY: no money moved.")}
