"""The approvals inbox: GET /purchase-orders?awaiting=me lists what the caller may approve now."""


def inbox(desk, headers):
    r = desk.client.get("/api/v1/purchase-orders?awaiting=me", headers=headers)
    assert r.status_code == 200, r.json
    return [order["id"] for order in r.json]


def test_the_inbox_holds_what_waits_for_the_callers_next_tier(desk):
    draft = desk.draft()
    small = desk.draft([{"product_id": desk.orange.id, "quantity": 110}])  # 1,089,000: one tier
    large = desk.draft([{"product_id": desk.orange.id, "quantity": 600}])  # 5,940,000: two tiers
    desk.step(small, "submit", desk.purchaser_h)
    desk.step(large, "submit", desk.purchaser_h)
    assert inbox(desk, desk.approver_h) == [small["id"], large["id"]]  # oldest first
    assert inbox(desk, desk.lead_approver_h) == [small["id"], large["id"]]  # a lead unit's too
    assert draft["id"] not in inbox(desk, desk.approver_h)
    assert inbox(desk, desk.purchaser_h) == []  # a purchaser approves nothing
    assert inbox(desk, desk.stranger_h) == [] and inbox(desk, desk.admin_h) == []

    approved = desk.step(large, "approve", desk.approver_h, {"comment": "同意"})
    assert approved["status"] == "submitted" and approved["agency_name"] == "山东省农业农村厅机关服务中心"
    assert inbox(desk, desk.approver_h) == [small["id"]]  # the next tier is another approver's
    assert inbox(desk, desk.approver2_h) == [small["id"], large["id"]]
    desk.step(small, "reject", desk.approver2_h, {"comment": "预算不足"})
    desk.step(large, "approve", desk.lead_approver_h)
    assert inbox(desk, desk.approver2_h) == []


def test_nobody_finds_their_own_order_in_their_inbox(desk):
    desk.member(desk.unit, desk.approver, "purchaser")
    own = desk.draft([{"product_id": desk.orange.id, "quantity": 110}], headers=desk.approver_h)
    desk.step(own, "submit", desk.approver_h)
    assert inbox(desk, desk.approver_h) == []
    assert inbox(desk, desk.approver2_h) == [own["id"]]


def test_awaiting_takes_only_me(desk):
    r = desk.client.get("/api/v1/purchase-orders?awaiting=someone", headers=desk.approver_h)
    assert r.status_code == 422 and "awaiting" in r.json["errors"]["query"]


def may_approve(desk, order, headers):
    r = desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json["may_approve"]


def test_the_order_says_whether_the_caller_may_approve_its_next_tier(desk):
    """What the order's own page offers the approver: the same as the inbox."""
    large = desk.draft([{"product_id": desk.orange.id, "quantity": 600}])  # two tiers
    assert not may_approve(desk, large, desk.approver_h)  # a draft waits for nobody
    desk.step(large, "submit", desk.purchaser_h)
    assert may_approve(desk, large, desk.approver_h) and may_approve(desk, large, desk.lead_approver_h)
    assert not may_approve(desk, large, desk.purchaser_h) and not may_approve(desk, large, desk.admin_h)
    desk.step(large, "approve", desk.approver_h)
    assert not may_approve(desk, large, desk.approver_h)  # the next tier is another approver's
    assert may_approve(desk, large, desk.approver2_h)
    desk.step(large, "approve", desk.approver2_h)
    assert not may_approve(desk, large, desk.lead_approver_h)  # approved: nothing waits
