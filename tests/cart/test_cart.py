"""The server-side cart: what a buyer puts in it, what the cart shows, and its checkout into one order
split per supplier."""

from marketplace.cart import services as cart
from marketplace.extensions import db
from marketplace.orders.models import Order
from tests.concurrency import at_once, slowly
from tests.shop import ADDRESS


def put(shop, product, quantity, headers=None):
    return shop.client.put(
        f"/api/v1/cart/items/{product.id}", json={"quantity": quantity}, headers=headers or shop.buyer_headers
    )


def view(shop, headers=None):
    r = shop.client.get("/api/v1/cart", headers=headers or shop.buyer_headers)
    assert r.status_code == 200, r.json
    return r.json


def address(shop, headers=None):
    r = shop.client.post("/api/v1/me/addresses", json=ADDRESS, headers=headers or shop.buyer_headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def checkout(shop, address_id, headers=None, **body):
    return shop.client.post(
        "/api/v1/cart/checkout",
        json={"address_id": address_id, "payment_method": "alipay", **body},
        headers=headers or shop.buyer_headers,
    )


def items(cart_json):
    return {i["product_id"]: i for g in cart_json["suppliers"] for i in g["items"]}


def orders_of(user):
    return db.session.scalar(db.select(db.func.count()).select_from(Order).where(Order.buyer_id == user.id))


def test_cart_groups_items_per_supplier_with_totals_in_fen(shop):
    assert put(shop, shop.orange, 2).status_code == 200
    r = put(shop, shop.plum, 1)
    assert r.status_code == 200, r.json
    groups = r.json["suppliers"]
    assert [(g["supplier_name"], g["total_fen"]) for g in groups] == [
        (shop.supplier_a.name, 2 * 6990),
        (shop.supplier_b.name, 5880),
    ]
    orange = groups[0]["items"][0]
    assert (orange["name"], orange["price_fen"], orange["quantity"], orange["stock"]) == (
        "奉节脐橙 5kg",
        6990,
        2,
        10,
    )
    assert orange["is_purchasable"] is True
    assert r.json["total_fen"] == 2 * 6990 + 5880


def test_cart_follows_the_buyer_to_another_sign_in(shop, client):
    put(shop, shop.orange, 3)
    token = client.post("/api/v1/auth/token", json={"email": shop.buyer.email, "password": "correct horse 1"})
    assert token.status_code == 200, token.json
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    assert items(view(shop, headers))[shop.orange.id]["quantity"] == 3
    assert view(shop, shop.other_headers)["suppliers"] == []


def test_put_sets_the_quantity_and_zero_or_delete_removes(shop):
    put(shop, shop.orange, 2)
    put(shop, shop.orange, 5)
    assert items(view(shop))[shop.orange.id]["quantity"] == 5
    put(shop, shop.orange, 0)
    assert view(shop)["suppliers"] == []
    put(shop, shop.plum, 1)
    assert (
        shop.client.delete(f"/api/v1/cart/items/{shop.plum.id}", headers=shop.buyer_headers).status_code
        == 204
    )
    assert view(shop) == {"suppliers": [], "total_fen": 0}


def test_more_than_the_stock_is_refused_naming_quantity(shop):
    r = put(shop, shop.plum, 6)
    assert r.status_code == 422
    assert "quantity" in r.json["errors"]["json"]


def test_a_product_not_on_sale_cannot_be_added(shop):
    shop.orange.is_active = False
    db.session.commit()
    assert put(shop, shop.orange, 1).status_code == 404
    r = shop.client.put("/api/v1/cart/items/999999", json={"quantity": 1}, headers=shop.buyer_headers)
    assert r.status_code == 404


def test_delisted_and_sold_out_items_are_flagged_not_dropped(shop):
    put(shop, shop.orange, 2)
    put(shop, shop.plum, 2)
    shop.orange.is_active = False
    shop.plum.stock = 0
    db.session.commit()
    cart_json = view(shop)
    shown = items(cart_json)
    assert (shown[shop.orange.id]["is_purchasable"], shown[shop.orange.id]["problem"]) == (False, "delisted")
    assert (shown[shop.plum.id]["is_purchasable"], shown[shop.plum.id]["problem"]) == (False, "out_of_stock")
    assert cart_json["total_fen"] == 0


def test_checkout_places_one_order_split_per_supplier_and_empties_the_cart(shop):
    put(shop, shop.orange, 2)
    put(shop, shop.plum, 1)
    r = checkout(shop, address(shop))
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending_payment"
    assert r.json["total_fen"] == 2 * 6990 + 5880
    assert len(r.json["fulfilments"]) == 2
    names = {f["supplier_name"] for f in r.json["fulfilments"]}
    assert names == {shop.orange.supplier.name, shop.plum.supplier.name}
    assert r.json["shipping_address"] == ADDRESS
    assert r.json["payment"]["client_secret"]
    assert r.json["payment"]["publishable_key"] == "pk_test_marketplace"  # for Stripe.js on the payment page
    assert view(shop)["suppliers"] == []
    assert shop.stock(shop.orange) == 8
    assert shop.get(r.json["id"]).json == r.json  # the answer, made from what was written, as stored


def test_checkout_of_some_products_leaves_the_rest_in_the_cart(shop):
    put(shop, shop.orange, 2)
    put(shop, shop.plum, 1)
    r = checkout(shop, address(shop), product_ids=[shop.plum.id])
    assert r.status_code == 201, r.json
    assert [line["product_id"] for line in r.json["lines"]] == [shop.plum.id]
    assert list(items(view(shop))) == [shop.orange.id]


def test_checkout_refuses_what_it_cannot_ship_to_or_buy(shop):
    put(shop, shop.orange, 2)
    mine = address(shop)
    others = address(shop, shop.other_headers)
    r = checkout(shop, others)
    assert r.status_code == 422
    assert "address_id" in r.json["errors"]["json"]
    r = checkout(shop, mine, product_ids=[shop.plum.id])
    assert r.status_code == 422
    assert "product_ids" in r.json["errors"]["json"]
    assert checkout(shop, address(shop, shop.other_headers), headers=shop.other_headers).status_code == 409


def test_checkout_short_of_stock_keeps_the_cart(shop):
    put(shop, shop.orange, 5)
    shop.orange.stock = 3
    db.session.commit()
    r = checkout(shop, address(shop))
    assert r.status_code == 409
    assert items(view(shop))[shop.orange.id]["quantity"] == 5
    assert orders_of(shop.buyer) == 0


def test_checkout_with_the_same_idempotency_key_orders_once(shop):
    put(shop, shop.orange, 1)
    address_id = address(shop)
    headers = {**shop.buyer_headers, "Idempotency-Key": "cart-1"}
    first = checkout(shop, address_id, headers=headers)
    again = checkout(shop, address_id, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["id"] == first.json["id"]
    assert orders_of(shop.buyer) == 1


def test_two_checkouts_of_one_cart_at_once_buy_it_once(app, shop, monkeypatch):
    put(shop, shop.orange, 2)
    put(shop, shop.plum, 1)
    address_id = address(shop)
    monkeypatch.setattr(cart, "place_order", slowly(cart.place_order))
    body = {"address_id": address_id, "payment_method": "card"}

    def buy(client):
        return client.post("/api/v1/cart/checkout", json=body, headers=shop.buyer_headers)

    codes = sorted(r.status_code for r in at_once(app, [buy, buy]))
    assert codes == [201, 409]
    assert orders_of(shop.buyer) == 1
    assert shop.stock(shop.orange) == 8
