from datetime import timedelta

from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.payments import checkout
from marketplace.timeutil import now


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_order_reserves_stock_splits_per_supplier_and_opens_a_stripe_payment(shop):
    r = shop.order(method="wechat_pay")
    assert r.status_code == 201, r.json
    order = r.json
    assert order["status"] == "pending_payment" and order["total_fen"] == 2 * 6990 + 5880
    assert {f["supplier_id"] for f in order["fulfilments"]} == {shop.supplier_a.id, shop.supplier_b.id}
    assert len(order["fulfilments"]) == 2 and len(order["lines"]) == 2
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (8, 4)
    payment = order["payment"]
    assert payment["provider"] == "stripe" and payment["client_secret"].startswith(
        payment["payment_intent_id"]
    )
    intent = shop.stripe.intents[payment["payment_intent_id"]]
    assert (intent["amount"], intent["currency"], intent["payment_method_types"]) == (
        19860,
        "cny",
        ["wechat_pay"],
    )
    assert intent["metadata"] == {"order_id": str(order["id"])}
    create = [r for r in shop.stripe.requests if r[1] == "/v1/payment_intents"]
    assert len(create) == 1


def test_the_answer_to_placing_an_order_is_the_order_as_stored(shop):
    # The answer is made from what was written, not read back: it must still be what a read gives.
    placed = shop.order()
    assert placed.status_code == 201, placed.json
    stored = shop.get(placed.json["id"])
    assert placed.json == stored.json
    assert placed.json["created_at"] and placed.json["payment"]["status"] == "pending"
    assert {f["supplier_name"] for f in placed.json["fulfilments"]} == {
        shop.supplier_a.name,
        shop.supplier_b.name,
    }


def test_every_short_line_is_reported_and_nothing_changes(shop):
    r = shop.order(
        [{"product_id": shop.orange.id, "quantity": 11}, {"product_id": shop.plum.id, "quantity": 6}]
    )
    assert r.status_code == 409 and r.json["error_code"] == "out_of_stock"
    assert set(r.json["errors"]["json"]["items"]) == {str(shop.orange.id), str(shop.plum.id)}
    assert r.json["message"] == "部分商品库存不足。"
    assert r.json["errors"]["json"]["items"][str(shop.orange.id)] == ["库存不足：仅剩 10 件，要 11 件。"]
    english = shop.order(
        [{"product_id": shop.orange.id, "quantity": 11}],
        headers={**shop.buyer_headers, "Accept-Language": "en"},
    )
    assert english.json["message"] == "Not enough stock for some lines."
    assert english.json["errors"]["json"]["items"][str(shop.orange.id)] == ["Only 10 left; 11 asked for."]
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)
    assert count(Order) == 0


def test_a_product_not_on_sale_is_422(shop):
    shop.orange.is_active = False
    db.session.commit()
    r = shop.order([{"product_id": shop.orange.id, "quantity": 1}])
    assert r.status_code == 422 and "items" in r.json["errors"]["json"]


def test_idempotency_key_replays_the_first_answer_and_creates_nothing_new(shop):
    first = shop.order(key="checkout-7f3a")
    second = shop.order(key="checkout-7f3a")
    assert second.status_code == 201 and second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(Order) == 1 and shop.stock(shop.orange) == 8
    other = shop.order(items=[{"product_id": shop.plum.id, "quantity": 1}], key="checkout-7f3a")
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]["headers"]


def test_a_failed_request_frees_its_idempotency_key(shop):
    assert shop.order([{"product_id": shop.orange.id, "quantity": 99}], key="k1").status_code == 409
    assert shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="k1").status_code == 201


def test_a_failed_payment_releases_the_stock(shop):
    order = shop.order().json
    failed = shop.stripe.fail_payment(order["payment"]["payment_intent_id"])
    shop.webhook("payment_intent.payment_failed", failed)
    assert shop.get(order["id"]).json["status"] == "cancelled"
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)


def test_unpaid_orders_expire_release_stock_and_cancel_the_payment(shop):
    order = shop.order().json
    assert checkout.expire_reservations(now() + timedelta(minutes=29)) == 0
    assert checkout.expire_reservations(now() + timedelta(minutes=31)) == 1
    assert shop.get(order["id"]).json["status"] == "expired"
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)
    assert shop.stripe.intents[order["payment"]["payment_intent_id"]]["status"] == "canceled"


def test_payment_after_expiry_reserves_again_when_it_can(shop):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])  # paid just as it expired
    checkout.expire_reservations(now() + timedelta(minutes=31))  # cancel fails: it succeeded
    assert shop.get(order["id"]).json["status"] == "expired" and shop.stock(shop.orange) == 10
    shop.webhook("payment_intent.succeeded", intent)
    assert shop.get(order["id"]).json["status"] == "paid"
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (8, 4)
    url = f"/api/v1/orders/{order['id']}/history"
    history = shop.client.get(url, headers=shop.buyer_headers).json
    assert history[-1]["reason"] == "超时后付款，已重新预留库存"
    english = shop.client.get(url, headers={**shop.buyer_headers, "Accept-Language": "en"}).json
    assert english[-1]["reason"] == "paid after expiry; stock reserved again"


def test_payment_after_expiry_is_refunded_when_the_stock_is_gone(shop):
    order = shop.order([{"product_id": shop.plum.id, "quantity": 5}]).json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
    checkout.expire_reservations(now() + timedelta(minutes=31))
    assert (
        shop.order([{"product_id": shop.plum.id, "quantity": 5}], headers=shop.other_headers).status_code
        == 201
    )
    shop.webhook("payment_intent.succeeded", intent)
    late = shop.get(order["id"]).json
    assert late["status"] == "expired" and late["refunded_fen"] == late["paid_fen"] == 5 * 5880
    assert shop.stripe.succeeded_refunds(intent["id"]) == 5 * 5880
    history = shop.client.get(f"/api/v1/orders/{order['id']}/history", headers=shop.buyer_headers).json
    assert any("已自动退款" in (e["reason"] or "") for e in history)
    assert shop.stock(shop.plum) == 0


def test_buyer_cancels_before_payment_and_after_payment_before_shipping(shop):
    unpaid = shop.order([{"product_id": shop.orange.id, "quantity": 3}]).json
    r = shop.client.post(f"/api/v1/orders/{unpaid['id']}/cancel", headers=shop.buyer_headers)
    assert r.json["status"] == "cancelled" and shop.stock(shop.orange) == 10
    assert shop.stripe.intents[unpaid["payment"]["payment_intent_id"]]["status"] == "canceled"

    paid = shop.order([{"product_id": shop.orange.id, "quantity": 3}]).json
    shop.pay(paid)
    r = shop.client.post(f"/api/v1/orders/{paid['id']}/cancel", headers=shop.buyer_headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert r.json["refunded_fen"] == 3 * 6990 and shop.stock(shop.orange) == 10
    assert shop.stripe.succeeded_refunds(paid["payment"]["payment_intent_id"]) == 3 * 6990


def test_no_cancellation_once_shipped_and_none_of_anothers_order(shop):
    order = shop.order().json
    shop.pay(order)
    assert (
        shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.other_headers).status_code
        == 404
    )
    fulfilment = next(f for f in order["fulfilments"] if f["supplier_id"] == shop.supplier_a.id)
    shop.client.post(
        f"/api/v1/fulfilments/{fulfilment['id']}/ship",
        json={"carrier": "顺丰", "tracking_no": "SF1"},
        headers=shop.supplier_a_headers,
    )
    assert (
        shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.buyer_headers).status_code
        == 409
    )


def test_suppliers_ship_and_deliver_their_own_part_and_the_order_completes(shop):
    order = shop.order().json
    ids = {f["supplier_id"]: f["id"] for f in order["fulfilments"]}
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    a, b = ids[shop.supplier_a.id], ids[shop.supplier_b.id]
    assert (
        shop.client.post(
            f"/api/v1/fulfilments/{a}/ship", json=ship, headers=shop.supplier_a_headers
        ).status_code
        == 409
    )
    shop.pay(order)
    assert (
        shop.client.post(
            f"/api/v1/fulfilments/{a}/ship", json=ship, headers=shop.supplier_b_headers
        ).status_code
        == 404
    )
    for fid, headers in ((a, shop.supplier_a_headers), (b, shop.supplier_b_headers)):
        r = shop.client.post(f"/api/v1/fulfilments/{fid}/ship", json=ship, headers=headers)
        assert r.status_code == 200 and r.json["tracking_no"] == "SF1234567890"
        assert (
            shop.client.post(f"/api/v1/fulfilments/{fid}/deliver", headers=headers).json["status"]
            == "delivered"
        )
    assert shop.get(order["id"]).json["status"] == "completed"


def test_provider_down_at_checkout_cancels_the_order_and_releases_stock(shop):
    shop.stripe.fail_next(3)
    r = shop.order()
    assert r.status_code == 503 and r.json["error_code"] == "payment_provider_unavailable"
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)
    assert db.session.scalar(db.select(Order.status)) == "cancelled"


# Permissions ----------------------------------------------------------------------


def test_a_buyer_cannot_read_anothers_order(shop):
    order = shop.order().json
    assert shop.get(order["id"], headers=shop.other_headers).status_code == 404
    assert shop.client.get("/api/v1/orders", headers=shop.other_headers).json == []
    assert shop.client.get(f"/api/v1/orders/{order['id']}").status_code == 401


def test_a_supplier_sees_only_its_own_fulfilment_and_lines(shop):
    order = shop.order().json
    seen = shop.get(order["id"], headers=shop.supplier_a_headers).json
    assert [f["supplier_id"] for f in seen["fulfilments"]] == [shop.supplier_a.id]
    assert [line["product_id"] for line in seen["lines"]] == [shop.orange.id]
    assert seen["payment"] is None
    listed = shop.client.get("/api/v1/orders", headers=shop.supplier_b_headers).json
    assert [[line["product_id"] for line in o["lines"]] for o in listed] == [[shop.plum.id]]
    lonely = shop.order([{"product_id": shop.plum.id, "quantity": 1}]).json
    assert shop.get(lonely["id"], headers=shop.supplier_a_headers).status_code == 404


def test_provider_timeout_at_checkout_is_503_and_releases_stock(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT_SECONDS", 0.3)
    app.extensions.pop("payment_gateway", None)
    shop.stripe.delay_seconds = 0.6
    try:
        r = shop.order()
    finally:
        shop.stripe.delay_seconds = 0
        app.extensions.pop("payment_gateway", None)
    assert r.status_code == 503
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)


def test_a_fractional_quantity_is_422_naming_it_not_truncated(shop):
    r = shop.order([{"product_id": shop.orange.id, "quantity": 1.5}])
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"]["items"]["0"]["quantity"] == ["须为整数。"]
    assert shop.stock(shop.orange) == 10
    assert shop.order([{"product_id": shop.orange.id, "quantity": 2.0}]).status_code == 201
