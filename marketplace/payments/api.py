from typing import Any

import marshmallow as ma
from flask import Response, jsonify, make_response, request
from flask.views import MethodView
from marshmallow import fields

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.idempotency import IDEMPOTENCY_DOC, idempotent
from marketplace.orders.schemas import RefundCreateSchema, RefundSchema
from marketplace.parsing import Blueprint
from marketplace.payments import services
from marketplace.payments.models import Refund
from marketplace.schemas import QueryArgsSchema, Timestamp

blp = Blueprint("payments", __name__, description="支付：支付机构回调通知")


class PaymentMethodSchema(ma.Schema):
    method = fields.String(metadata={"description": "what `payment_method` of an order may be"})
    provider = fields.String(metadata={"description": "the gateway it goes through"})


@blp.route("/payment-methods")
class PaymentMethods(MethodView):
    @blp.response(200, PaymentMethodSchema(many=True))
    def get(self) -> list[dict[str, str]]:
        """可用的支付方式

        The payment methods this shop offers, in order, and the provider each goes through."""
        return services.offered_methods()


class ReceivedSchema(ma.Schema):
    received = fields.Boolean()
    duplicate = fields.Boolean()


class AlipayNotificationSchema(ma.Schema):
    """The fields of Alipay's asynchronous notification this API reads; Alipay sends more, all of them
    signed, and all are kept with the event."""

    class Meta:
        unknown = ma.INCLUDE

    notify_id = fields.String(required=True)
    notify_type = fields.String()
    notify_time = fields.String()
    app_id = fields.String(required=True)
    out_trade_no = fields.String(required=True)
    trade_no = fields.String()
    trade_status = fields.String(required=True)
    total_amount = fields.String(required=True, metadata={"description": "yuan, two decimals: 198.60"})
    sign_type = fields.String()
    sign = fields.String(required=True)


class AlipayPayQuerySchema(QueryArgsSchema):
    device = fields.String(
        load_default="page",
        validate=ma.validate.OneOf(("page", "wap")),
        metadata={"description": "page: page pay on a computer; wap: H5 on a phone"},
    )


class AlipayPayLinkSchema(ma.Schema):
    url = fields.String(metadata={"description": "the signed link to Alipay's cashier"})
    device = fields.String()
    expires_at = Timestamp(metadata={"description": "the link cannot be paid after this"})


@blp.route("/webhooks/alipay")
class AlipayNotification(MethodView):
    @blp.arguments(AlipayNotificationSchema, location="form")
    @blp.doc(
        responses={
            "200": {
                "description": "Received (a duplicate too): Alipay stops sending it",
                "content": {"text/plain": {"schema": {"type": "string", "enum": ["success"]}}},
            }
        }
    )
    @blp.alt_response(400, description="Bad signature")
    def post(self, _fields: dict[str, str]) -> Response:
        """接收支付宝异步通知

        Alipay's notifications: verified by RSA2 signature with Alipay's public key, stored once,
        then processed by a worker, which queries the trade."""
        services.receive_alipay_notification(request.form.to_dict())
        return Response("success", mimetype="text/plain")


@blp.route("/orders/<int:order_id>/payment/alipay", tags=["orders"])
class AlipayPayLink(MethodView):
    @blp.arguments(AlipayPayQuerySchema, location="query")
    @blp.response(200, AlipayPayLinkSchema)
    @blp.doc(security=SECURITY)
    def get(self, args: dict[str, str], order_id: int) -> dict[str, object]:
        """支付宝付款链接

        The buyer's signed link to Alipay's cashier for their order awaiting payment."""
        return services.alipay_pay_url(require_user(), order_id, args["device"])


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, ReceivedSchema)
    @blp.alt_response(400, description="Bad or stale signature")
    def post(self) -> dict[str, bool]:
        """接收 Stripe 事件通知

        Stripe's events: verified by signature, stored once, then processed by a worker."""
        _, duplicate = services.receive_stripe_webhook(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
        return {"received": True, "duplicate": duplicate}


class WechatPayFailureSchema(ma.Schema):
    code = fields.String(metadata={"description": "FAIL"})
    message = fields.String()


@blp.route("/webhooks/wechat-pay")
class WechatPayNotify(MethodView):
    @blp.response(204)
    @blp.alt_response(401, schema=WechatPayFailureSchema, description="The signature does not verify")
    def post(self) -> Response | None:
        """接收微信支付回调通知

        WeChat Pay's notifications (payments, refunds): the platform's signature verified, the
        resource decrypted, stored once, then processed by a worker. Answered as WeChat Pay expects:
        204 with no body once stored; 401 `{"code": "FAIL", "message": ...}` when it does not
        verify, and WeChat Pay sends it again later."""
        try:
            services.receive_wechatpay_notification(request.headers, request.get_data())
        except services.NotificationRefused as exc:
            return make_response(jsonify(code="FAIL", message=exc.message), 401)
        return None


def _caller_id() -> int:
    return require_user().id


# A refund is asked for on its order, and documented with the orders.
@blp.route("/orders/<int:order_id>/refunds", tags=["orders"])
class OrderRefunds(MethodView):
    @idempotent(_caller_id)
    @blp.arguments(RefundCreateSchema)
    @blp.response(201, RefundSchema)
    @blp.doc(security=SECURITY, **IDEMPOTENCY_DOC)
    def post(self, body: dict[str, Any], order_id: int) -> Refund:
        """退款

        Refund lines (admin, or the supplier for its own lines) or an amount (admin)."""
        return services.refund_order(require_user(), order_id, body.get("lines"), body.get("amount_fen"))
