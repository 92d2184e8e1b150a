"""No oversell under concurrency: real parallel requests, each on its own database connection, on
PostgreSQL (row locks) and on the embedded default (a SQLite file, one writer at a time)."""

from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.concurrency import at_once
from tests.shop import ADDRESS


def race(app, product_id, buyers_headers, quantity=1):
    """Every buyer orders at the same moment; returns their status codes."""
    body = {
        "items": [{"product_id": product_id, "quantity": quantity}],
        "shipping_address": ADDRESS,
        "payment_method": "card",
    }

    def buy(headers):
        return lambda client: client.post("/api/v1/orders", json=body, headers=headers)

    return [r.status_code for r in at_once(app, [buy(h) for h in buyers_headers])]


def test_fifty_parallel_buyers_and_stock_ten_sell_exactly_ten(app, shop, make_user):
    buyers = [make_user()[1] for _ in range(50)]
    codes = race(app, shop.orange.id, buyers)
    assert sorted(codes) == [201] * 10 + [409] * 40
    assert shop.stock(shop.orange) == 0
    sold = db.session.scalar(
        db.select(db.func.count()).select_from(Order).where(Order.status == "pending_payment")
    )
    assert sold == 10


def test_two_buyers_race_for_the_last_unit_one_wins(app, shop, make_user):
    shop.plum.stock = 1
    db.session.commit()
    codes = race(app, shop.plum.id, [make_user()[1], make_user()[1]])
    assert sorted(codes) == [201, 409]
    assert shop.stock(shop.plum) == 0


def test_orders_over_the_same_products_in_opposite_order_do_not_deadlock(app, shop, make_user):
    users = [make_user()[1] for _ in range(20)]
    orange, plum = shop.orange.id, shop.plum.id

    def buy(i):
        items = [{"product_id": orange, "quantity": 1}, {"product_id": plum, "quantity": 1}]
        if i % 2:
            items.reverse()
        body = {"items": items, "shipping_address": ADDRESS, "payment_method": "card"}
        return lambda client: client.post("/api/v1/orders", json=body, headers=users[i])

    codes = [r.status_code for r in at_once(app, [buy(i) for i in range(20)])]
    assert sorted(codes) == [201] * 5 + [409] * 15  # the plum (stock 5) runs out; no 500, no deadlock
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (5, 0)
