"""Who may act comes before whether the order's state allows it: a caller without the role learns
nothing of the state."""


def test_a_supplier_refunding_by_amount_an_unpaid_order_is_refused_not_told_its_state(shop):
    order = shop.order().json
    url = f"/api/v1/orders/{order['id']}/refunds"
    r = shop.client.post(url, json={"amount_fen": 100}, headers=shop.supplier_a_headers)
    assert r.status_code == 403 and "管理员" in r.json["message"], r.json
    assert shop.client.post(url, json={"amount_fen": 100}, headers=shop.admin_headers).status_code == 409
