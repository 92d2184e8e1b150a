"""GET /fulfilments: a supplier's parts of paid orders to fulfil, its own only, those to ship first,
each with its lines and where it goes; and what shipping them takes."""

SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"}


def paid(shop, items=None):
    order = shop.order(items).json
    shop.pay(order)
    return order


def own_part(shop, order, supplier):
    return next(f["id"] for f in order["fulfilments"] if f["supplier_id"] == supplier.id)


def listed(shop, headers, query=""):
    r = shop.client.get(f"/api/v1/fulfilments{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_a_supplier_lists_its_own_parts_of_paid_orders_to_ship_first(shop):
    unpaid = shop.order([{"product_id": shop.orange.id, "quantity": 1}]).json
    first, second = paid(shop), paid(shop, [{"product_id": shop.orange.id, "quantity": 1}])
    shipped = own_part(shop, first, shop.supplier_a)
    r = shop.client.post(f"/api/v1/fulfilments/{shipped}/ship", json=SHIP, headers=shop.supplier_a_headers)
    assert r.status_code == 200, r.json
    mine = listed(shop, shop.supplier_a_headers)
    # The unpaid order is not there; the part to ship comes before the one shipped.
    assert [(f["order_id"], f["status"]) for f in mine] == [
        (second["id"], "pending"),
        (first["id"], "shipped"),
    ]
    assert unpaid["id"] not in {f["order_id"] for f in mine}
    part = mine[1]
    assert part["supplier_id"] == shop.supplier_a.id and part["tracking_no"] == "SF1234567890123"
    assert part["order_status"] == "paid" and part["paid_at"]
    # Only its own lines: the plum of the other supplier is not there.
    assert [(line["product_name"], line["quantity"]) for line in part["lines"]] == [("奉节脐橙 5kg", 2)]
    assert part["amount_fen"] == 2 * 6990 and part["refunded_fen"] == 0
    assert part["shipping_address"] == {
        "region_code": "370102",
        "region_names": ["山东省", "济南市", "历下区"],
        "detail": "济南市历下区泉城路 1 号",
        "recipient": "张伟",
        "phone": "13900001111",
    }
    assert [f["order_id"] for f in listed(shop, shop.supplier_a_headers, "?status=pending")] == [second["id"]]
    assert [f["order_id"] for f in listed(shop, shop.supplier_a_headers, "?status=shipped")] == [first["id"]]


def test_others_see_none_of_a_suppliers_parts_and_an_admin_picks_one_supplier(shop):
    order = paid(shop)
    theirs = [f["id"] for f in listed(shop, shop.supplier_b_headers)]
    assert theirs == [own_part(shop, order, shop.supplier_b)]
    assert listed(shop, shop.buyer_headers) == []
    # Naming another supplier narrows the caller's own to nothing.
    assert listed(shop, shop.supplier_b_headers, f"?supplier_id={shop.supplier_a.id}") == []
    assert len(listed(shop, shop.admin_headers)) == 2
    only_a = listed(shop, shop.admin_headers, f"?supplier_id={shop.supplier_a.id}")
    assert [f["id"] for f in only_a] == [own_part(shop, order, shop.supplier_a)]


def test_a_refunded_line_shows_in_the_part_and_the_list_pages(shop):
    order = paid(shop)
    orange = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": orange["id"], "quantity": 1}]},
        headers=shop.supplier_a_headers,
    )
    assert r.status_code == 201, r.json
    paid(shop, [{"product_id": shop.orange.id, "quantity": 1}])
    r = shop.client.get("/api/v1/fulfilments?page_size=1", headers=shop.supplier_a_headers)
    assert r.status_code == 200 and len(r.json) == 1 and '"total": 2' in r.headers["X-Pagination"]
    part = next(f for f in listed(shop, shop.supplier_a_headers) if f["order_id"] == order["id"])
    assert part["refunded_fen"] == 6990 and part["lines"][0]["refunded_quantity"] == 1


def test_bad_list_arguments_are_refused_naming_the_field(shop):
    for query, field in (("?status=lost", "status"), ("?supplier_id=0", "supplier_id")):
        r = shop.client.get(f"/api/v1/fulfilments{query}", headers=shop.supplier_a_headers)
        assert r.status_code == 422 and field in r.json["errors"]["query"], r.json


def test_a_tracking_number_is_letters_and_digits_as_the_carrier_prints_it(shop):
    order = paid(shop)
    part = own_part(shop, order, shop.supplier_a)
    url = f"/api/v1/fulfilments/{part}/ship"
    for wrong in ("SF 1234", "顺丰123", "-SF1", "SF1-", "x" * 51, ""):
        r = shop.client.post(url, json={**SHIP, "tracking_no": wrong}, headers=shop.supplier_a_headers)
        assert r.status_code == 422 and "tracking_no" in r.json["errors"]["json"], wrong
    assert listed(shop, shop.supplier_a_headers, "?status=pending")[0]["id"] == part
    r = shop.client.post(
        url, json={**SHIP, "tracking_no": "JDVA01234567890-1-1"}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200 and r.json["tracking_no"] == "JDVA01234567890-1-1"
