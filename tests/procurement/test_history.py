"""A purchase order's history shows a caller only what the order's own view shows them: a supplier
reads its own part's steps, never another supplier's invoice, amounts, carrier or tracking number."""

import json


def history(desk, order, headers):
    r = desk.client.get(f"/api/v1/purchase-orders/{order['id']}/history", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_a_supplier_reads_its_own_part_of_the_history_only(desk):
    order = desk.draft()
    desk.run_to_paid(order)
    desk.step(order, "rating", desk.purchaser_h, {"supplier_id": desk.supplier_b.id, "score": 4})
    full = history(desk, order, desk.purchaser_h)
    assert "53002600002" in json.dumps(full) and "ICBC20261122001" in json.dumps(full)
    assert history(desk, order, desk.admin_h) == full

    seen = history(desk, order, desk.supplier_a_h)
    text = json.dumps(seen, ensure_ascii=False)
    for secret in ("53002600002", "200000", "ICBC20261122001"):  # b's invoice and amount; the bank's
        assert secret not in text, secret
    assert {e["details"]["supplier_id"] for e in seen if "supplier_id" in (e["details"] or {})} == {
        desk.supplier_a.id
    }
    assert {e["action"] for e in seen if (e["details"] or {}).get("supplier_id")} == {
        "supplier_confirm",
        "supplier_ship",
        "invoice",
    }
    assert desk.member_b.id not in {e["actor_id"] for e in seen}
    # The whole order's steps stay, with what the order's own view shows.
    assert [e["action"] for e in seen if e["details"] is None or "supplier_id" not in e["details"]] == [
        e["action"] for e in full if "supplier_id" not in (e["details"] or {})
    ]
    payment = next(e for e in seen if e["action"] == "payment")
    assert payment["details"] == {"amount_fen": 1_190_000}
    orange_line = next(line for line in order["lines"] if line["product_id"] == desk.orange.id)
    receive = next(e for e in seen if e["action"] == "receive")
    assert set(receive["details"]["shortfalls"]) <= {str(orange_line["id"])}
    assert next(e for e in seen if e["action"] == "create")["details"] is None  # the line count is not its

    b_seen = json.dumps(history(desk, order, desk.supplier_b_h))
    assert "53002600002" in b_seen and "37002600001" not in b_seen
