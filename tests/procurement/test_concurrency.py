"""Bank transfers recorded at the same moment, each request on its own database connection, on
PostgreSQL and on the embedded default (a SQLite file)."""

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.procurement import services as procurement
from marketplace.procurement.models import BankPayment
from tests.concurrency import at_once, slowly


def invoiced(desk, quantity):
    """A one-line order of oranges, below every approval tier, received in full and invoiced."""
    order = desk.draft([{"product_id": desk.orange.id, "quantity": quantity}])
    assert desk.step(order, "submit", desk.purchaser_h)["status"] == "approved"
    desk.step(order, "confirm", desk.supplier_a_h)
    desk.step(order, "ship", desk.supplier_a_h, {"carrier": "中国邮政", "tracking_no": "EMS0001"})
    lines = [{"line_id": line["id"], "quantity_received": line["quantity"]} for line in order["lines"]]
    desk.step(order, "receipts", desk.purchaser_h, {"lines": lines})
    amount = quantity * 9900
    invoice = {"invoice_no": "37002600001", "amount_fen": amount}
    assert desk.step(order, "invoices", desk.supplier_a_h, invoice)["status"] == "invoiced"
    return order["id"], amount


def transfers(desk, order_id, amounts):
    """One request per amount, each with a bank reference of its own."""

    def transfer(i, amount):
        body = {"amount_fen": amount, "method": "bank_transfer", "reference": f"ICBC2026120100{i}"}
        url = f"/api/v1/purchase-orders/{order_id}/payments"
        return lambda client: client.post(url, json=body, headers=desk.admin_h)

    return [transfer(i, amount) for i, amount in enumerate(amounts)]


def ledger_total():
    return db.session.scalar(db.select(db.func.coalesce(db.func.sum(LedgerEntry.amount_fen), 0)))


def test_six_parallel_transfers_of_the_whole_invoice_one_is_recorded(app, desk, monkeypatch):
    order_id, amount = invoiced(desk, 1)
    monkeypatch.setattr(procurement, "invoiced_total", slowly(procurement.invoiced_total))
    answers = at_once(app, transfers(desk, order_id, [amount] * 6))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5, [r.json for r in answers]
    assert db.session.scalars(db.select(BankPayment.amount_fen)).all() == [amount]
    order = desk.client.get(f"/api/v1/purchase-orders/{order_id}", headers=desk.admin_h).json
    assert (order["status"], order["paid_fen"]) == ("paid", amount)
    assert ledger_total() == amount


def test_six_parallel_part_payments_all_count(app, desk, monkeypatch):
    order_id, amount = invoiced(desk, 6)
    monkeypatch.setattr(procurement, "invoiced_total", slowly(procurement.invoiced_total))
    answers = at_once(app, transfers(desk, order_id, [amount // 6] * 6))
    assert [r.status_code for r in answers] == [201] * 6, [r.json for r in answers]
    order = desk.client.get(f"/api/v1/purchase-orders/{order_id}", headers=desk.admin_h).json
    assert (order["status"], order["paid_fen"]) == ("paid", amount)  # no payment lost to another
    assert ledger_total() == amount


def test_a_transfer_of_a_fraction_of_a_fen_is_422_not_rounded_down(desk):
    order_id, amount = invoiced(desk, 1)
    body = {"amount_fen": amount - 0.5, "method": "bank_transfer", "reference": "ICBC20261201999"}
    r = desk.client.post(f"/api/v1/purchase-orders/{order_id}/payments", json=body, headers=desk.admin_h)
    assert r.status_code == 422 and r.json["errors"]["json"]["amount_fen"] == ["须为整数。"]
    assert db.session.scalars(db.select(BankPayment.amount_fen)).all() == []
