from flask import request
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.cart import services
from marketplace.cart.schemas import CartItemSetSchema, CartSchema, CheckoutSchema
from marketplace.idempotency import IDEMPOTENCY_DOC, idempotent
from marketplace.orders.schemas import OrderSchema
from marketplace.parsing import Blueprint
from marketplace.payments.checkout import view_order
from marketplace.payments.gateways import Payer

blp = Blueprint("cart", __name__, description="购物车：随账户同步，按供应商拆单结算")


def _caller_id() -> int:
    return require_user().id


@blp.route("/cart")
class Cart(MethodView):
    @blp.response(200, CartSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """我的购物车

        Items per supplier; those delisted or short of stock are flagged, not dropped."""
        return services.view_cart(require_user())


@blp.route("/cart/items/<int:product_id>")
class CartItem(MethodView):
    @blp.arguments(CartItemSetSchema)
    @blp.response(200, CartSchema)
    @blp.alt_response(404, description="The product is not on sale")
    @blp.doc(security=SECURITY)
    def put(self, body, product_id):
        """设置购物车商品数量

        Sets the quantity (0 takes the product out); at most what is in stock."""
        user = require_user()
        services.set_item(user, product_id, body["quantity"])
        return services.view_cart(user)

    @blp.response(204)
    @blp.doc(security=SECURITY)
    def delete(self, product_id):
        """移出购物车"""
        services.remove_item(require_user(), product_id)


@blp.route("/cart/checkout")
class Checkout(MethodView):
    @idempotent(_caller_id)
    @blp.arguments(CheckoutSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(409, description="The cart is empty (already checked out), or stock is short")
    @blp.doc(security=SECURITY, **IDEMPOTENCY_DOC)
    def post(self, body):
        """购物车结算

        Orders the cart (or `product_ids` of it) to one of the caller's addresses, split into one
        fulfilment per supplier; the items bought leave the cart."""
        user = require_user()
        payer = Payer(body["payment_device"], request.remote_addr)
        order, payment = services.check_out(
            user, body["address_id"], body["payment_method"], body.get("product_ids"), payer
        )
        return view_order(user, order, payment)
