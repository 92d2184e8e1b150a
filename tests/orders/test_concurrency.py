"""No oversell, no double refund under concurrency: real parallel requests, each on its own database
connection, on PostgreSQL (row locks) and on the embedded default (a SQLite file, one writer at a
time)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.orders.models import Order
from marketplace.payments import services as payments
from tests.shop import ADDRESS


def at_once(app, requests):
    """Send every request at the same moment, each from its own thread (so its own app context,
    session and connection); returns their responses in order. Each request is a function of a test
    client."""
    # The test's own transaction ends first: on SQLite an open one would hold the write lock.
    db.session.commit()
    start = threading.Barrier(len(requests))

    def send(request):
        client = app.test_client()
        start.wait()
        return request(client)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def slowly(check, seconds=0.2):
    """The check, then a pause before its caller writes: without serialisation every request of a
    race would pass the check before the first one's write, not only those that happen to."""

    def slowed(*args, **kwargs):
        result = check(*args, **kwargs)
        time.sleep(seconds)
        return result

    return slowed


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


def test_six_parallel_full_refunds_of_one_order_one_wins(app, shop, monkeypatch):
    order = shop.order().json
    shop.pay(order)
    monkeypatch.setattr(payments, "_refundable", slowly(payments._refundable))
    url = f"/api/v1/orders/{order['id']}/refunds"
    body = {"amount_fen": order["total_fen"]}

    def refund(client):
        return client.post(url, json=body, headers=shop.admin_headers)

    answers = at_once(app, [refund] * 6)
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5, [r.json for r in answers]
    assert shop.stripe.succeeded_refunds(order["payment"]["payment_intent_id"]) == order["total_fen"]
    assert shop.get(order["id"]).json["refunded_fen"] == order["total_fen"]
    amounts = sorted(db.session.scalars(db.select(LedgerEntry.amount_fen)))
    assert sum(a for a in amounts if a < 0) == -order["total_fen"]  # one refund, not two
    assert sum(amounts) == 0
