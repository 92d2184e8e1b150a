"""Every purchase-order step from every status: allowed (whatever else it then checks), or 409."""

import pytest

from marketplace.extensions import db
from marketplace.procurement.models import PurchaseOrder, SupplierPart
from marketplace.timeutil import now

STATUSES = [
    "draft",
    "submitted",
    "approved",
    "confirmed",
    "shipped",
    "received",
    "invoiced",
    "paid",
    "rejected",
    "cancelled",
]
# step: (who, body, the statuses it may start from)
STEPS = {
    "submit": ("purchaser", {}, {"draft"}),
    "approve": ("approver", {}, {"submitted"}),
    "reject": ("approver", {"comment": "预算不足"}, {"submitted"}),
    "cancel": ("purchaser", {}, {"draft", "submitted", "approved"}),
    "confirm": ("supplier", {}, {"approved"}),
    "ship": ("supplier", {"carrier": "邮政", "tracking_no": "EMS1"}, {"confirmed"}),
    "receipts": ("purchaser", None, {"shipped"}),
    "invoices": ("supplier", {"invoice_no": "37002600001", "amount_fen": 990000}, {"received"}),
    "payments": ("admin", {"amount_fen": 990000, "reference": "ICBC-1"}, {"invoiced"}),
    "rating": ("purchaser", None, {"paid"}),
}
PART_STATUS = {"approved": "awaiting", "confirmed": "confirmed"}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("step", STEPS)
def test_purchase_order_step(desk, step, status):
    order = desk.draft([{"product_id": desk.orange.id, "quantity": 100}])
    row = db.session.get(PurchaseOrder, order["id"])
    row.status, row.approvals_required = status, 1
    if status not in ("draft", "submitted", "rejected", "cancelled"):
        part_status = PART_STATUS.get(status, "shipped")
        row.parts.append(
            SupplierPart(
                supplier_id=desk.supplier_a.id,
                status=part_status,
                invoice_no="37002600001" if status in ("invoiced", "paid") else None,
                invoice_amount_fen=990000 if status in ("invoiced", "paid") else None,
                invoice_recorded_at=now() if status in ("invoiced", "paid") else None,
            )
        )
        for line in row.lines:
            line.quantity_received = line.quantity if status in ("received", "invoiced", "paid") else None
    db.session.commit()
    who, body, allowed = STEPS[step]
    headers = {
        "purchaser": desk.purchaser_h,
        "approver": desk.approver_h,
        "supplier": desk.supplier_a_h,
        "admin": desk.admin_h,
    }[who]
    if step == "receipts":
        body = {"lines": [{"line_id": order["lines"][0]["id"], "quantity_received": 100}]}
    if step == "rating":
        body = {"supplier_id": desk.supplier_a.id, "score": 4}
    r = desk.client.post(f"/api/v1/purchase-orders/{order['id']}/{step}", json=body, headers=headers)
    if status in allowed:
        assert r.status_code in (200, 201), r.json
    else:
        assert r.status_code == 409, r.json
        assert db.session.get(PurchaseOrder, order["id"], populate_existing=True).status == status
