"""After-sales (售后): the buyer asks one supplier for lines of a paid order back, with photos; the
supplier accepts and exactly those lines are refunded through the payment, or rejects, saying why."""

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from marketplace.aftersales import services
from marketplace.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def paid_order(shop):
    order = shop.order().json
    shop.pay(order)
    lines = {line["product_id"]: line for line in order["lines"]}
    return order, lines[shop.orange.id], lines[shop.plum.id]


def ask(shop, order, lines, reason="收到时两个脐橙已经腐烂", headers=None):
    return shop.client.post(
        f"/api/v1/orders/{order['id']}/after-sales",
        json={"lines": lines, "reason": reason},
        headers=headers or shop.buyer_headers,
    )


def test_an_accepted_request_refunds_exactly_its_lines_and_the_buyer_sees_it(shop):
    order, orange, _ = paid_order(shop)
    r = ask(shop, order, [{"line_id": orange["id"], "quantity": 1}])
    assert r.status_code == 201, r.json
    request = r.json
    assert request["status"] == "requested" and request["amount_fen"] == 6990
    assert request["lines"] == [
        {"line_id": orange["id"], "product_name": "奉节脐橙 5kg", "unit_price_fen": 6990, "quantity": 1}
    ]
    photo = shop.client.post(
        f"/api/v1/after-sales/{request['id']}/photos",
        data={"file": (io.BytesIO(PNG), "rotten.png")},
        headers=shop.buyer_headers,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.json
    # The supplier sees it in its list, with the photo, and accepts.
    listed = shop.client.get("/api/v1/after-sales?status=requested", headers=shop.supplier_a_headers).json
    assert [item["id"] for item in listed] == [request["id"]]
    seen = shop.client.get(listed[0]["photos"][0]["url"], headers=shop.supplier_a_headers)
    assert seen.status_code == 200 and seen.data == PNG and "private" in seen.headers["Cache-Control"]
    # The other supplier has nothing to answer.
    assert shop.client.get("/api/v1/after-sales", headers=shop.supplier_b_headers).json == []
    r = shop.client.post(
        f"/api/v1/after-sales/{request['id']}/accept",
        json={"comment": "同意退款"},
        headers=shop.supplier_a_headers,
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["refund_status"] == "succeeded"
    final = shop.get(order["id"]).json
    assert final["refunded_fen"] == 6990
    assert shop.stripe.succeeded_refunds(order["payment"]["payment_intent_id"]) == 6990
    # Decided once: a second answer is refused and refunds nothing more.
    again = shop.client.post(
        f"/api/v1/after-sales/{request['id']}/accept", json={}, headers=shop.admin_headers
    )
    assert again.status_code == 409
    assert shop.get(order["id"]).json["refunded_fen"] == 6990


def test_a_rejection_says_why_refunds_nothing_and_the_buyer_may_ask_again(shop):
    order, orange, _ = paid_order(shop)
    request = ask(shop, order, [{"line_id": orange["id"], "quantity": 2}]).json
    url = f"/api/v1/after-sales/{request['id']}"
    assert shop.client.post(f"{url}/reject", json={}, headers=shop.supplier_a_headers).status_code == 422
    r = shop.client.post(f"{url}/reject", json={"comment": "照片显示完好"}, headers=shop.supplier_a_headers)
    assert r.status_code == 200 and r.json["status"] == "rejected" and r.json["comment"] == "照片显示完好"
    assert shop.get(order["id"]).json["refunded_fen"] == 0
    assert shop.client.get(url, headers=shop.buyer_headers).json["status"] == "rejected"
    assert ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).status_code == 201


def test_what_a_buyer_may_not_ask_is_refused_naming_the_field(shop):
    order, orange, plum = paid_order(shop)
    both = ask(
        shop, order, [{"line_id": orange["id"], "quantity": 1}, {"line_id": plum["id"], "quantity": 1}]
    )
    assert both.status_code == 422 and "lines" in both.json["errors"]["json"]
    too_many = ask(shop, order, [{"line_id": orange["id"], "quantity": 3}])
    assert too_many.status_code == 422 and "lines" in too_many.json["errors"]["json"]
    assert ask(shop, order, [{"line_id": orange["id"], "quantity": 1}], reason="").status_code == 422
    assert ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).status_code == 201
    # One open request per supplier and order; the other supplier's lines may be asked meanwhile.
    assert ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).status_code == 409
    assert ask(shop, order, [{"line_id": plum["id"], "quantity": 1}]).status_code == 201
    unpaid = shop.order().json
    line = unpaid["lines"][0]["id"]
    assert ask(shop, unpaid, [{"line_id": line, "quantity": 1}]).status_code == 409


def test_only_the_buyer_asks_and_withdraws_and_only_the_supplier_or_an_admin_decides(shop):
    order, orange, _ = paid_order(shop)
    line = [{"line_id": orange["id"], "quantity": 1}]
    assert ask(shop, order, line, headers=shop.other_headers).status_code == 404
    assert ask(shop, order, line, headers=shop.supplier_a_headers).status_code == 403
    request = ask(shop, order, line).json
    url = f"/api/v1/after-sales/{request['id']}"
    assert shop.client.get(url, headers=shop.other_headers).status_code == 404
    assert shop.client.get(url, headers=shop.supplier_b_headers).status_code == 404
    assert shop.client.post(f"{url}/accept", json={}, headers=shop.buyer_headers).status_code == 403
    assert shop.client.post(f"{url}/accept", json={}, headers=shop.supplier_b_headers).status_code == 404
    assert shop.client.post(f"{url}/withdraw", headers=shop.supplier_a_headers).status_code == 403
    r = shop.client.post(f"{url}/withdraw", headers=shop.buyer_headers)
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    assert shop.client.post(f"{url}/accept", json={}, headers=shop.supplier_a_headers).status_code == 409
    assert shop.get(order["id"]).json["refunded_fen"] == 0


def test_two_deciders_at_once_refund_the_request_once(shop, app, monkeypatch):
    order, orange, _ = paid_order(shop)
    request = ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).json
    url = f"/api/v1/after-sales/{request['id']}/accept"
    # Each decider pauses after finding the request open: unlocked, both would find it so.
    check = services._require_open
    monkeypatch.setattr(services, "_require_open", lambda r: (check(r), time.sleep(0.2)))
    db.session.commit()
    start = threading.Barrier(2)

    def decide(headers):
        client = app.test_client()
        start.wait()
        return client.post(url, json={}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(decide, [shop.supplier_a_headers, shop.admin_headers]))
    assert sorted(answers) == [200, 409]
    assert shop.get(order["id"]).json["refunded_fen"] == 6990
    assert shop.stripe.succeeded_refunds(order["payment"]["payment_intent_id"]) == 6990


def test_a_phone_photo_over_the_app_wide_body_limit_is_taken_up_to_the_image_limit(shop):
    order, orange, _ = paid_order(shop)
    request = ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).json

    def send(size):
        return shop.client.post(
            f"/api/v1/after-sales/{request['id']}/photos",
            data={"file": (io.BytesIO(PNG + b"\x00" * size), "photo.png")},
            headers=shop.buyer_headers,
            content_type="multipart/form-data",
        ).status_code

    assert send(1_500_000) == 201  # over the 1 MiB every other body may be
    assert send(2 * 1024 * 1024 + 1) == 413  # IMAGE_MAX_BYTES


def test_a_member_who_also_buys_lists_only_its_suppliers_requests_by_supplier_id(shop):
    order, orange, _ = paid_order(shop)
    mine = ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).json
    # Supplier A's member buys supplier B's plums and asks for one back, as a buyer.
    bought = shop.order([{"product_id": shop.plum.id, "quantity": 1}], headers=shop.supplier_a_headers).json
    shop.pay(bought)
    line = [{"line_id": bought["lines"][0]["id"], "quantity": 1}]
    asked = ask(shop, bought, line, headers=shop.supplier_a_headers).json
    every = shop.client.get("/api/v1/after-sales", headers=shop.supplier_a_headers).json
    assert {r["id"] for r in every} == {mine["id"], asked["id"]}
    query = f"/api/v1/after-sales?supplier_id={shop.supplier_a.id}&status=requested"
    assert [r["id"] for r in shop.client.get(query, headers=shop.supplier_a_headers).json] == [mine["id"]]
    theirs = f"/api/v1/after-sales?supplier_id={shop.supplier_b.id}"
    assert shop.client.get(theirs, headers=shop.supplier_a_headers).json == []
    assert [r["id"] for r in shop.client.get(theirs, headers=shop.supplier_b_headers).json] == [asked["id"]]


def test_an_order_page_lists_only_that_orders_requests_and_names_each_supplier(shop):
    first, orange, _ = paid_order(shop)
    second, other_orange, _ = paid_order(shop)
    assert ask(shop, first, [{"line_id": orange["id"], "quantity": 1}]).status_code == 201
    assert ask(shop, second, [{"line_id": other_orange["id"], "quantity": 1}]).status_code == 201
    listed = shop.client.get(f"/api/v1/after-sales?order_id={first['id']}", headers=shop.buyer_headers).json
    assert [r["order_id"] for r in listed] == [first["id"]]
    assert (
        shop.client.get(f"/api/v1/after-sales?order_id={first['id']}", headers=shop.other_headers).json == []
    )
    names = {f["supplier_id"]: f["supplier_name"] for f in shop.get(first["id"]).json["fulfilments"]}
    assert names == {shop.supplier_a.id: shop.supplier_a.name, shop.supplier_b.id: shop.supplier_b.name}
