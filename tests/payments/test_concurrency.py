"""No double refund under concurrency: real parallel requests, each on its own database connection,
on PostgreSQL (row locks) and on the embedded default (a SQLite file, one writer at a time)."""

from marketplace.extensions import db
from marketplace.ledger.models import LedgerEntry
from marketplace.payments import services as payments
from tests.concurrency import at_once, slowly


def test_six_parallel_full_refunds_of_one_order_one_wins(app, shop, monkeypatch):
    order = shop.order().json
    shop.pay(order)
    monkeypatch.setattr(payments, "_refundable", slowly(payments._refundable))
    url = f"/api/v1/orders/{order['id']}/refunds"
    body = {"amount_fen": order["total_fen"]}

    def refund(client):
        return client.post(url, json=body, headers=shop.admin_headers)

    answers = at_once(app, [refund] * 6)
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5, [r.json for r in answers]
    assert shop.stripe.succeeded_refunds(order["payment"]["payment_intent_id"]) == order["total_fen"]
    assert shop.get(order["id"]).json["refunded_fen"] == order["total_fen"]
    amounts = sorted(db.session.scalars(db.select(LedgerEntry.amount_fen)))
    assert sum(a for a in amounts if a < 0) == -order["total_fen"]  # one refund, not two
    assert sum(amounts) == 0
