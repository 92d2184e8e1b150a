"""The shop the tests of orders and of their payments buy from: two suppliers with a product each, two
buyers and an admin, and the calls those tests make (fixture `shop` in tests/conftest.py)."""

from tests.factories import ProductFactory, SupplierFactory
from tests.stripe_server import WEBHOOK_SECRET

ADDRESS = {
    "region_code": "370102",
    "detail": "济南市历下区泉城路 1 号",
    "recipient": "张伟",
    "phone": "13900001111",
}


class Shop:
    def __init__(self, client, fake_stripe, make_user):
        self.client, self.stripe = client, fake_stripe
        self.member_a, self.supplier_a_headers = make_user()
        self.member_b, self.supplier_b_headers = make_user()
        self.supplier_a = SupplierFactory(members=[self.member_a], region_code="500236")
        self.supplier_b = SupplierFactory(members=[self.member_b], region_code="500237")
        self.orange = ProductFactory(supplier=self.supplier_a, name="奉节脐橙 5kg", price_fen=6990, stock=10)
        self.plum = ProductFactory(supplier=self.supplier_b, name="巫山脆李 3kg", price_fen=5880, stock=5)
        self.buyer, self.buyer_headers = make_user()
        self.other_buyer, self.other_headers = make_user()
        self.admin, self.admin_headers = make_user(("admin", None))

    def order(self, items=None, headers=None, key=None, method="alipay", device=None):
        items = (
            items
            if items is not None
            else [{"product_id": self.orange.id, "quantity": 2}, {"product_id": self.plum.id, "quantity": 1}]
        )
        headers = dict(headers or self.buyer_headers)
        if key:
            headers["Idempotency-Key"] = key
        body = {"items": items, "shipping_address": ADDRESS, "payment_method": method}
        if device:
            body["payment_device"] = device
        return self.client.post("/api/v1/orders", json=body, headers=headers)

    def webhook(self, event_type, obj, **kwargs):
        body, signature = self.stripe.event(event_type, obj, WEBHOOK_SECRET, **kwargs)
        return self.client.post(
            "/api/v1/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )

    def pay(self, order_json):
        intent = self.stripe.succeed(order_json["payment"]["payment_intent_id"])
        r = self.webhook("payment_intent.succeeded", intent)
        assert r.status_code == 200, r.json
        return intent

    def get(self, order_id, headers=None):
        return self.client.get(f"/api/v1/orders/{order_id}", headers=headers or self.buyer_headers)

    def stock(self, product):
        from marketplace.catalog.models import Product
        from marketplace.extensions import db

        return db.session.get(Product, product.id, populate_existing=True).stock
