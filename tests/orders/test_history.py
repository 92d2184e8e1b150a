"""An order's history shows a caller only what the order's own view shows them: a supplier reads
its own fulfilment's shipment and refunds of its own lines, never another's carrier or tracking
number, nor the payment intent; the buyer and admins read everything."""

import json


def history(shop, order, headers):
    r = shop.client.get(f"/api/v1/orders/{order['id']}/history", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_a_supplier_reads_its_own_fulfilments_history_only(shop):
    order = shop.order().json
    shop.pay(order)
    intent = order["payment"]["payment_intent_id"]
    part = {f["supplier_id"]: f["id"] for f in order["fulfilments"]}
    line = {ln["supplier_id"]: ln["id"] for ln in order["lines"]}
    ships = (
        (shop.supplier_a, shop.supplier_a_headers, "SF-ORANGE-0001"),
        (shop.supplier_b, shop.supplier_b_headers, "YTO-PLUM-0002"),
    )
    for supplier, headers, tracking in ships:
        body = {"carrier": "顺丰" if tracking.startswith("SF") else "圆通", "tracking_no": tracking}
        r = shop.client.post(f"/api/v1/fulfilments/{part[supplier.id]}/ship", json=body, headers=headers)
        assert r.status_code == 200, r.json
    url = f"/api/v1/orders/{order['id']}/refunds"
    by_b = {"lines": [{"line_id": line[shop.supplier_b.id], "quantity": 1}]}
    assert shop.client.post(url, json=by_b, headers=shop.supplier_b_headers).status_code == 201
    assert shop.client.post(url, json={"amount_fen": 100}, headers=shop.admin_headers).status_code == 201

    full = history(shop, order, shop.buyer_headers)
    assert intent in json.dumps(full) and "YTO-PLUM-0002" in json.dumps(full)
    assert history(shop, order, shop.admin_headers) == full

    seen = history(shop, order, shop.supplier_a_headers)
    text = json.dumps(seen, ensure_ascii=False)
    for secret in (intent, "YTO-PLUM-0002", "圆通"):
        assert secret not in text, secret
    assert all(str(line[shop.supplier_b.id]) not in (e["details"] or {}).get("lines", {}) for e in seen)
    assert "SF-ORANGE-0001" in text
    assert shop.member_b.id not in {e["actor_id"] for e in seen}
    assert [e["details"] for e in seen if e["action"] == "pay"] == [{"amount_fen": order["total_fen"]}]
    refunds = [e for e in seen if e["action"].startswith("refund")]
    assert refunds and all(e["details"]["amount_fen"] == 100 for e in refunds)  # the admin's, the order's

    b_text = json.dumps(history(shop, order, shop.supplier_b_headers), ensure_ascii=False)
    assert "YTO-PLUM-0002" in b_text and "SF-ORANGE-0001" not in b_text and intent not in b_text


def test_a_supplier_reads_that_a_payment_was_refused_not_what_the_buyer_paid(shop):
    order = shop.order().json
    intent = shop.stripe.succeed(order["payment"]["payment_intent_id"], amount_received=1)
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200

    rejected = [e for e in history(shop, order, shop.buyer_headers) if e["action"] == "payment_rejected"]
    assert rejected and rejected[0]["reason"] == "应付 19860 分，只收到 1 分"
    seen = [e for e in history(shop, order, shop.supplier_a_headers) if e["action"] == "payment_rejected"]
    assert seen == [{**rejected[0], "reason": None, "details": None}]


def test_another_buyer_reads_no_history(shop):
    order = shop.order().json
    r = shop.client.get(f"/api/v1/orders/{order['id']}/history", headers=shop.other_headers)
    assert r.status_code == 404
