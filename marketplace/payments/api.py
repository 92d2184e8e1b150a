import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.orders.schemas import DevConfirmSchema
from marketplace.outbox import services as outbox
from marketplace.payments import services

blp = Blueprint("payments", __name__, description="Payment provider webhooks")


class ReceivedSchema(ma.Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


class DevConfirmedSchema(ma.Schema):
    outcome = fields.String()
    warning = fields.Constant("DEVELOPMENT GATEWAY: no money moved.")


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(400, description="Bad or stale signature")
    def post(self):
        """Stripe's events: verified by signature, stored once, then processed by a worker."""
        event, messages = services.receive_stripe_webhook(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
        outbox.dispatch(messages)
        return {"received": True, "duplicate": not messages}


@blp.route("/dev/orders/<int:order_id>/confirm-payment")
class DevConfirm(MethodView):
    @blp.arguments(DevConfirmSchema)
    @blp.response(200, DevConfirmedSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, order_id):
        """DEVELOPMENT GATEWAY ONLY (404 otherwise): pay, or fail to pay, an order locally."""
        return {"outcome": services.confirm_dev_payment(require_user(), order_id, body["succeed"])}
