"""What one buyer may hold without paying: no unpaid order, nor a string of them, keeps a product
off the shelf (the limits are the production defaults here; the rest of the suite lifts them)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from marketplace.config import DEFAULTS
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.factories import ProductFactory
from tests.shop import ADDRESS


@pytest.fixture
def limits(app, monkeypatch):
    for key in ("ORDER_MAX_UNPAID_PER_BUYER", "ORDER_HOLD_MAX_UNITS", "ORDER_HOLD_MAX_SHARE_BP"):
        monkeypatch.setitem(app.config, key, DEFAULTS[key])
    assert (app.config["ORDER_MAX_UNPAID_PER_BUYER"], app.config["ORDER_HOLD_MAX_UNITS"]) == (3, 50)


def unpaid_orders():
    return db.session.scalar(
        db.select(db.func.count()).select_from(Order).where(Order.status == "pending_payment")
    )


def test_one_unpaid_order_cannot_take_a_products_whole_stock(shop, limits):
    r = shop.order([{"product_id": shop.orange.id, "quantity": 10}])
    assert r.status_code == 409 and r.json["error_code"] == "order_limit_exceeded", r.json
    [why] = r.json["errors"]["json"]["items"][str(shop.orange.id)]
    assert "最多可有 5 件" in why and "库存 10 件的 50%" in why
    assert shop.stock(shop.orange) == 10 and unpaid_orders() == 0
    assert shop.order([{"product_id": shop.orange.id, "quantity": 5}]).status_code == 201
    assert shop.stock(shop.orange) == 5


def test_a_buyers_unpaid_orders_together_hold_at_most_their_share(shop, limits):
    first = shop.order([{"product_id": shop.orange.id, "quantity": 3}]).json
    r = shop.order([{"product_id": shop.orange.id, "quantity": 3}])
    assert r.status_code == 409
    assert "已有 3 件" in r.json["errors"]["json"]["items"][str(shop.orange.id)][0]
    # Another buyer is not held back by the first one's orders.
    other = shop.order([{"product_id": shop.orange.id, "quantity": 3}], headers=shop.other_headers)
    assert other.status_code == 201
    # Once paid for, units are no longer held unpaid: the buyer may reserve again.
    shop.pay(first)
    assert shop.order([{"product_id": shop.orange.id, "quantity": 2}]).status_code == 201


def test_at_most_fifty_units_of_a_plentiful_product(shop, limits):
    rice = ProductFactory(supplier=shop.supplier_a, name="城口富硒大米 5kg", price_fen=4500, stock=100_000)
    r = shop.order([{"product_id": rice.id, "quantity": 51}])
    assert r.status_code == 409 and "（50 件）" in r.json["errors"]["json"]["items"][str(rice.id)][0]
    assert shop.order([{"product_id": rice.id, "quantity": 50}]).status_code == 201


def test_the_last_unit_still_sells_and_a_shortage_is_still_out_of_stock(shop, limits):
    shop.plum.stock = 1
    db.session.commit()
    r = shop.order([{"product_id": shop.plum.id, "quantity": 2}])
    assert r.status_code == 409 and r.json["error_code"] == "out_of_stock"
    assert shop.order([{"product_id": shop.plum.id, "quantity": 1}]).status_code == 201
    assert shop.stock(shop.plum) == 0


def test_at_most_three_orders_awaiting_payment_per_buyer(shop, limits):
    one = [{"product_id": shop.orange.id, "quantity": 1}]
    placed = [shop.order(one).json for _ in range(3)]
    r = shop.order(one)
    assert r.status_code == 409 and r.json["error_code"] == "too_many_unpaid_orders"
    assert "（3 笔）" in r.json["message"]
    assert shop.stock(shop.orange) == 7 and unpaid_orders() == 3
    assert shop.order(one, headers=shop.other_headers).status_code == 201
    cancelled = shop.client.post(f"/api/v1/orders/{placed[0]['id']}/cancel", headers=shop.buyer_headers)
    assert cancelled.status_code == 200
    assert shop.order(one).status_code == 201


@pytest.mark.postgres
def test_one_buyers_parallel_checkouts_never_pass_the_unpaid_limit(app, shop, limits):
    start = threading.Barrier(8)
    body = {
        "items": [{"product_id": shop.orange.id, "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "card",
    }

    def buy(_):
        client = app.test_client()
        start.wait()
        return client.post("/api/v1/orders", json=body, headers=shop.buyer_headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(buy, range(8)))
    assert sorted(codes) == [201] * 3 + [409] * 5
    assert unpaid_orders() == 3 and shop.stock(shop.orange) == 7
