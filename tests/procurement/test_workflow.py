import pytest
from sqlalchemy import event

from marketplace.extensions import db
from marketplace.procurement.models import PurchaseOrder


def test_the_whole_way_from_draft_to_paid_and_rated(desk):
    order = desk.draft()
    assert order["status"] == "draft" and order["total_fen"] == 100 * 9900 + 40 * 5000
    assert all(line["counts_toward_share"] for line in order["lines"])
    submitted = desk.step(order, "submit", desk.purchaser_h)
    assert submitted["status"] == "submitted" and submitted["approvals_required"] == 1
    assert (desk.stock(desk.orange), desk.stock(desk.potato)) == (900, 460)
    approved = desk.step(order, "approve", desk.approver_h)
    assert approved["status"] == "approved"
    assert {p["supplier_id"] for p in approved["parts"]} == {desk.supplier_a.id, desk.supplier_b.id}
    desk.step(order, "confirm", desk.supplier_a_h)
    assert desk.step(order, "confirm", desk.supplier_b_h)["status"] == "confirmed"
    desk.step(order, "ship", desk.supplier_a_h, {"carrier": "顺丰", "tracking_no": "SF1"})
    assert (
        desk.step(order, "ship", desk.supplier_b_h, {"carrier": "邮政", "tracking_no": "EMS1"})["status"]
        == "shipped"
    )
    orange_line = next(line for line in order["lines"] if line["product_id"] == desk.orange.id)
    potato_line = next(line for line in order["lines"] if line["product_id"] == desk.potato.id)
    received = desk.step(
        order,
        "receipts",
        desk.purchaser_h,
        {
            "lines": [
                {"line_id": orange_line["id"], "quantity_received": 98, "note": "2 箱破损"},
                {"line_id": potato_line["id"], "quantity_received": 40},
            ]
        },
    )
    assert received["status"] == "received"
    history = desk.client.get(f"/api/v1/purchase-orders/{order['id']}/history", headers=desk.purchaser_h).json
    assert history[-1]["details"]["shortfalls"] == {str(orange_line["id"]): 2}
    desk.step(
        order, "invoices", desk.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 990000}, expect=422
    )
    desk.step(order, "invoices", desk.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 98 * 9900})
    assert (
        desk.step(order, "invoices", desk.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200000})[
            "status"
        ]
        == "invoiced"
    )
    url = f"/api/v1/purchase-orders/{order['id']}/payments"
    due = 98 * 9900 + 200000
    r = desk.client.post(url, json={"amount_fen": 500000, "reference": "ICBC0001"}, headers=desk.purchaser_h)
    assert r.status_code == 403
    r = desk.client.post(url, json={"amount_fen": 500000, "reference": "ICBC0001"}, headers=desk.admin_h)
    assert r.status_code == 201 and r.json["status"] == "invoiced" and r.json["paid_fen"] == 500000
    r = desk.client.post(url, json={"amount_fen": due, "reference": "ICBC0002"}, headers=desk.admin_h)
    assert r.status_code == 422 and "amount_fen" in r.json["errors"]["json"]  # overpayment refused
    r = desk.client.post(
        url, json={"amount_fen": due - 500000, "reference": "ICBC0001"}, headers=desk.admin_h
    )
    assert r.status_code == 409  # the same bank reference twice
    r = desk.client.post(
        url, json={"amount_fen": due - 500000, "reference": "ICBC0002"}, headers=desk.admin_h
    )
    assert r.json["status"] == "paid" and r.json["paid_fen"] == due
    rated = desk.step(order, "rating", desk.purchaser_h, {"supplier_id": desk.supplier_a.id, "score": 5})
    assert next(p for p in rated["parts"] if p["supplier_id"] == desk.supplier_a.id)["rating"] == 5


def test_approval_tiers_by_amount(desk):
    small = desk.draft([{"product_id": desk.orange.id, "quantity": 10}])  # 99,000 fen: below every tier
    assert desk.step(small, "submit", desk.purchaser_h)["status"] == "approved"
    big = desk.draft([{"product_id": desk.orange.id, "quantity": 600}])  # 5,940,000 fen: two tiers
    assert desk.step(big, "submit", desk.purchaser_h)["approvals_required"] == 2
    assert desk.step(big, "approve", desk.approver_h)["status"] == "submitted"
    desk.step(big, "approve", desk.approver_h, expect=403)  # one approver, one tier
    assert desk.step(big, "approve", desk.lead_approver_h)["status"] == "approved"  # the lead unit's approver


def test_nobody_approves_their_own_order(desk):
    desk.member(desk.unit, desk.approver, "purchaser")
    order = desk.draft(headers=desk.approver_h)
    desk.step(order, "submit", desk.approver_h)
    desk.step(order, "approve", desk.approver_h, expect=403)
    assert db.session.get(PurchaseOrder, order["id"]).status == "submitted"


def test_purchasers_and_strangers_cannot_approve_and_approvers_cannot_edit_lines(desk):
    order = desk.draft()
    lines = {"lines": [{"product_id": desk.orange.id, "quantity": 110}]}
    r = desk.client.put(f"/api/v1/purchase-orders/{order['id']}/lines", json=lines, headers=desk.approver_h)
    assert r.status_code == 403
    assert (
        desk.client.put(
            f"/api/v1/purchase-orders/{order['id']}/lines", json=lines, headers=desk.purchaser_h
        ).json["total_fen"]
        == 110 * 9900
    )
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "approve", desk.purchaser_h, expect=403)
    desk.step(order, "approve", desk.stranger_h, expect=404)
    r = desk.client.put(f"/api/v1/purchase-orders/{order['id']}/lines", json=lines, headers=desk.purchaser_h)
    assert r.status_code == 409  # lines are frozen once submitted


def test_reject_and_cancel_release_stock(desk):
    order = desk.draft()
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "reject", desk.approver_h, expect=422)  # a reason is required
    assert desk.step(order, "reject", desk.approver_h, {"comment": "预算不足"})["status"] == "rejected"
    assert (desk.stock(desk.orange), desk.stock(desk.potato)) == (1000, 500)
    other = desk.draft()
    desk.step(other, "submit", desk.purchaser_h)
    desk.step(other, "approve", desk.approver_h)
    assert desk.step(other, "cancel", desk.purchaser_h, {"reason": "计划取消"})["status"] == "cancelled"
    assert (desk.stock(desk.orange), desk.stock(desk.potato)) == (1000, 500)


def test_a_supplier_declines_a_line_and_the_order_adjusts(desk):
    order = desk.draft(
        [
            {"product_id": desk.orange.id, "quantity": 10},
            {"product_id": desk.uncertified.id, "quantity": 5},
            {"product_id": desk.potato.id, "quantity": 10},
        ]
    )
    assert desk.step(order, "submit", desk.purchaser_h)["status"] == "approved"  # below every tier
    uncertified = next(line for line in order["lines"] if line["product_id"] == desk.uncertified.id)
    assert uncertified["counts_toward_share"] is False  # allowed, flagged
    desk.step(order, "confirm", desk.supplier_b_h, {"declined_line_ids": [uncertified["id"]]}, expect=422)
    after = desk.step(order, "confirm", desk.supplier_a_h, {"declined_line_ids": [uncertified["id"]]})
    assert after["total_fen"] == 10 * 9900 + 10 * 5000 and desk.stock(desk.uncertified) == 100
    desk.step(order, "confirm", desk.supplier_a_h, expect=409)  # answered once
    assert desk.step(order, "confirm", desk.supplier_b_h)["status"] == "confirmed"


def test_shortages_are_all_reported_at_submit(desk):
    order = desk.draft(
        [{"product_id": desk.orange.id, "quantity": 2000}, {"product_id": desk.potato.id, "quantity": 600}]
    )
    r = desk.client.post(f"/api/v1/purchase-orders/{order['id']}/submit", json={}, headers=desk.purchaser_h)
    assert r.status_code == 409 and len(r.json["errors"]["json"]["lines"]) == 2
    assert db.session.get(PurchaseOrder, order["id"]).status == "draft"


@pytest.mark.parametrize(
    ("path", "body_key"),
    [
        ("submit", None),
        ("approve", None),
        ("confirm", None),
        ("ship", "ship"),
        ("receipts", "receipts"),
        ("invoices", "invoice"),
        ("payments", "payment"),
    ],
)
def test_steps_out_of_order_are_409(desk, path, body_key):
    order = desk.draft()
    bodies = {
        "ship": {"carrier": "x", "tracking_no": "y"},
        "receipts": {"lines": [{"line_id": order["lines"][0]["id"], "quantity_received": 1}]},
        "invoice": {"invoice_no": "12345678", "amount_fen": 1},
        "payment": {"amount_fen": 1, "reference": "REF-1"},
    }
    if path == "submit":  # a submitted order cannot be submitted again
        desk.step(order, "submit", desk.purchaser_h)
    headers = {
        "submit": desk.purchaser_h,
        "approve": desk.approver_h,
        "confirm": desk.supplier_a_h,
        "ship": desk.supplier_a_h,
        "receipts": desk.purchaser_h,
        "invoices": desk.supplier_a_h,
        "payments": desk.admin_h,
    }[path]
    r = desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/{path}", json=bodies.get(body_key, {}), headers=headers
    )
    assert r.status_code in (403, 409), r.json
    if path in ("submit", "approve", "receipts", "payments"):
        assert r.status_code == 409


def test_visibility_agency_lead_unit_suppliers_and_strangers(desk, make_user):
    order = desk.draft()
    get = lambda h: desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=h)  # noqa: E731
    assert get(desk.purchaser_h).status_code == 200
    assert get(desk.lead_approver_h).status_code == 200  # the lead unit sees its subordinates
    assert get(desk.stranger_h).status_code == 404
    seen = get(desk.supplier_b_h).json
    assert [line["product_id"] for line in seen["lines"]] == [desk.potato.id]
    listed = desk.client.get("/api/v1/purchase-orders", headers=desk.lead_approver_h).json
    assert [o["id"] for o in listed] == [order["id"]]
    assert desk.client.get("/api/v1/purchase-orders", headers=desk.stranger_h).json == []


def test_a_step_out_of_order_is_explained_in_chinese_by_default_and_in_english_on_request(desk):
    order = desk.draft()
    path = f"/api/v1/purchase-orders/{order['id']}/approve"
    r = desk.client.post(path, json={}, headers=desk.approver_h)
    assert r.status_code == 409
    assert r.json["message"] == "采购单当前状态为“草稿”，不能进行此操作（须为：已提交）。"
    assert r.json["error_code"] == "conflict"
    r = desk.client.post(path, json={}, headers={**desk.approver_h, "Accept-Language": "en"})
    assert r.json["message"] == "A purchase order in status draft cannot do that (allowed: submitted)."
    assert r.json["error_code"] == "conflict"


def test_a_malformed_fapiao_number_is_422_saying_what_is_allowed(desk):
    order = desk.draft()
    body = {"invoice_no": "发票/1", "amount_fen": 1}
    path = f"/api/v1/purchase-orders/{order['id']}/invoices"
    r = desk.client.post(path, json=body, headers=desk.supplier_a_h)
    assert r.status_code == 422
    assert r.json["errors"]["json"]["invoice_no"] == ["须为发票号码：8 到 40 位字母、数字或连字符。"]
    r = desk.client.post(path, json=body, headers={**desk.supplier_a_h, "Accept-Language": "en"})
    assert r.json["errors"]["json"]["invoice_no"] == [
        "Must be a fapiao number: 8 to 40 letters, digits or hyphens."
    ]


def test_a_step_answers_from_what_it_read_not_reading_the_order_and_its_agencies_again(desk):
    """A supplier's confirmation reads the caller, the order and the agency with its lead unit once:
    its answer (the order as confirmed, the supplier's own lines only) is not read again after the
    commit, which made a step 30 statements where 20 do."""
    order = desk.draft()
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "approve", desk.approver_h)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split(" WHERE ")[0])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = desk.step(order, "confirm", desk.supplier_a_h)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert answer["parts"][0]["status"] == "confirmed" and answer["status"] == "approved"
    assert [line["product_id"] for line in answer["lines"]] == [desk.orange.id]
    assert {line["status"] for line in answer["lines"]} == {"confirmed"}
    reads = [s for s in statements if s.startswith("SELECT")]
    assert sum("FROM users" in s for s in reads) == 1, statements
    assert sum(s.startswith("SELECT agencies.") for s in reads) <= 2, statements  # the unit, its lead unit
    assert sum(s.startswith("SELECT purchase_orders.id, ") for s in reads) == 1, statements
    assert len(statements) <= 20, statements
    again = desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=desk.supplier_a_h).json
    assert again["lines"] == answer["lines"] and again["parts"] == answer["parts"]
