"""Random sequences of orders, payments, duplicated and reordered webhooks, failures,
cancellations, expiries and refunds keep the books straight."""

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.orders.models import Order, OrderLine
from marketplace.payments import checkout
from marketplace.payments import services as payments
from marketplace.payments.models import Payment
from marketplace.timeutil import now
from tests.conftest import _empty_tables
from tests.shop import Shop

INITIAL = {"orange": 10, "plum": 5}


def test_books_stay_straight(app, client, fake_stripe, make_user):
    class Books(RuleBasedStateMachine):
        @initialize()
        def open_shop(self):
            db.session.rollback()  # on SQLite its open transaction would hold the write lock
            _empty_tables()
            fake_stripe.reset()
            self.shop = Shop(client, fake_stripe, make_user)
            self.products = {"orange": self.shop.orange.id, "plum": self.shop.plum.id}
            self.orders: list[dict] = []
            self.sent: list[tuple[str, dict]] = []  # webhook events, to replay

        @rule(orange=st.integers(0, 4), plum=st.integers(0, 3), method=st.sampled_from(["card", "alipay"]))
        def place(self, orange, plum, method):
            items = [
                {"product_id": self.products[n], "quantity": q}
                for n, q in (("orange", orange), ("plum", plum))
                if q
            ]
            if not items:
                return
            r = self.shop.order(items, method=method)
            assert r.status_code in (201, 409), r.json
            if r.status_code == 201:
                self.orders.append(r.json)

        @rule(data=st.data(), twice=st.booleans())
        def pay(self, data, twice):
            if not self.orders:
                return
            order = data.draw(st.sampled_from(self.orders))
            intent_id = order["payment"]["payment_intent_id"]
            if fake_stripe.intents[intent_id]["status"] == "canceled":
                return  # Stripe would refuse to confirm a canceled payment
            intent = fake_stripe.succeed(intent_id)
            for _ in range(2 if twice else 1):
                self._send("payment_intent.succeeded", intent)

        @rule(data=st.data())
        def fail(self, data):
            if not self.orders:
                return
            order = data.draw(st.sampled_from(self.orders))
            intent_id = order["payment"]["payment_intent_id"]
            if fake_stripe.intents[intent_id]["status"] in ("succeeded", "canceled"):
                return
            self._send("payment_intent.payment_failed", fake_stripe.fail_payment(intent_id))

        @rule(data=st.data())
        def replay(self, data):
            """An old event, again, and late: processing must follow the current state."""
            if self.sent:
                event_type, obj = data.draw(st.sampled_from(self.sent))
                self._send(event_type, obj)

        @rule(data=st.data())
        def cancel(self, data):
            if self.orders:
                order = data.draw(st.sampled_from(self.orders))
                r = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=self.shop.buyer_headers)
                assert r.status_code in (200, 409), r.json

        @rule()
        def expire(self):
            checkout.expire_reservations(now() + timedelta(minutes=31))

        @rule(data=st.data(), amount=st.integers(1, 30000))
        def refund(self, data, amount):
            if self.orders:
                order = data.draw(st.sampled_from(self.orders))
                r = client.post(
                    f"/api/v1/orders/{order['id']}/refunds",
                    json={"amount_fen": amount},
                    headers=self.shop.admin_headers,
                )
                assert r.status_code in (201, 409), r.json

        @rule()
        def reconcile(self):
            payments.reconcile_recent()

        def _send(self, event_type, obj):
            self.sent.append((event_type, obj))
            assert self.shop.webhook(event_type, obj).status_code == 200

        @invariant()
        def stock_is_conserved(self):
            if not hasattr(self, "shop"):
                return
            db.session.expire_all()
            for name, product_id in self.products.items():
                on_hand = db.session.get(Product, product_id).stock
                held = db.session.scalar(
                    db.select(db.func.coalesce(db.func.sum(OrderLine.quantity), 0))
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(OrderLine.product_id == product_id, Order.stock_held.is_(True))
                )
                assert on_hand >= 0
                assert on_hand + held == INITIAL[name]

        @invariant()
        def money_matches_the_provider(self):
            if not hasattr(self, "shop"):
                return
            for payment in db.session.scalars(db.select(Payment)):
                order = db.session.get(Order, payment.order_id)
                intent = fake_stripe.intents[payment.provider_ref]
                received = intent["amount_received"] if intent["status"] == "succeeded" else 0
                assert order.paid_fen == received
                assert order.refunded_fen == fake_stripe.succeeded_refunds(payment.provider_ref)
                assert order.refunded_fen <= order.paid_fen

        @invariant()
        def no_order_is_paid_twice(self):
            if not hasattr(self, "shop"):
                return
            paid = db.session.execute(
                db.select(AuditEvent.subject_id, db.func.count())
                .where(AuditEvent.action == "pay", AuditEvent.to_status == "paid")
                .group_by(AuditEvent.subject_id)
            ).all()
            assert all(n == 1 for _, n in paid)

    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
