import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import fields

from marketplace.parsing import Blueprint
from marketplace.payments import services

blp = Blueprint("payments", __name__, description="支付：支付机构回调通知")


class ReceivedSchema(ma.Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(400, description="Bad or stale signature")
    def post(self):
        """接收 Stripe 事件通知

        Stripe's events: verified by signature, stored once, then processed by a worker."""
        _, duplicate = services.receive_stripe_webhook(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
        return {"received": True, "duplicate": duplicate}
