"""The ledger enters a payment or a refund through the events payments and procurement send, in the
sender's transaction: a use case that fails after the send leaves nothing in the ledger."""

import pytest

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.orders.models import Order
from marketplace.payments import services as payments
from marketplace.payments.events import order_paid
from marketplace.payments.gateways import gateway
from marketplace.procurement.events import purchase_order_paid
from marketplace.procurement.models import PurchaseOrder


def entries() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry))


class Fails:
    """A listener connected after the ledger's: it sees what the ledger entered, then fails the use case."""

    def __init__(self):
        self.entries_seen: list[int] = []

    def __call__(self, sender, **kwargs):
        self.entries_seen.append(entries())
        raise RuntimeError("a failure after the ledger was written")


def test_a_payment_that_fails_after_the_ledger_entered_it_leaves_no_entry(shop):
    order = shop.order().json
    intent_id = order["payment"]["payment_intent_id"]
    shop.stripe.succeed(intent_id)
    db.session.commit()
    intent = gateway().retrieve_intent(intent_id)
    fails = Fails()
    with order_paid.connected_to(fails), pytest.raises(RuntimeError):
        payments.apply_intent(intent)
    assert fails.entries_seen == [2]  # both lines entered, in the payment's transaction
    db.session.rollback()
    assert entries() == 0
    assert db.session.get(Order, order["id"]).status == "pending_payment"
    assert payments.apply_intent(intent) == "paid"  # the same payment again, nothing failing now
    assert entries() == 2


def test_a_purchase_order_payment_that_fails_after_the_ledger_entered_it_leaves_no_entry(desk):
    order = desk.draft()
    state = desk.step(order, "submit", desk.purchaser_h)
    for headers in (desk.approver_h, desk.lead_approver_h)[: state["approvals_required"]]:
        desk.step(order, "approve", headers)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "confirm", headers)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "ship", headers, {"carrier": "中国邮政", "tracking_no": "EMS0001"})
    lines = [{"line_id": line["id"], "quantity_received": line["quantity"]} for line in order["lines"]]
    desk.step(order, "receipts", desk.purchaser_h, {"lines": lines})
    desk.step(order, "invoices", desk.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 990000})
    desk.step(order, "invoices", desk.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200000})
    fails = Fails()
    with purchase_order_paid.connected_to(fails):
        r = desk.client.post(
            f"/api/v1/purchase-orders/{order['id']}/payments",
            json={"amount_fen": 1_190_000, "method": "bank_transfer", "reference": "ICBC20261122001"},
            headers=desk.admin_h,
        )
    assert r.status_code == 500
    assert fails.entries_seen == [2]
    assert entries() == 0
    assert db.session.get(PurchaseOrder, order["id"], populate_existing=True).status == "invoiced"
