"""The payment provider is asked with no database transaction open: while it takes its time, no
connection of ours sits idle in a transaction holding row locks."""

import pytest
from sqlalchemy import select, text

from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.payments.gateways import outside_transaction


def test_a_provider_call_inside_a_transaction_is_refused(app):
    db.session.scalar(select(1))
    with pytest.raises(RuntimeError, match="inside a database transaction"):
        outside_transaction(lambda: "asked")
    db.session.commit()
    assert outside_transaction(lambda: "asked") == "asked"


@pytest.mark.postgres
def test_no_transaction_is_open_while_the_provider_answers(shop, app):
    engine = db.engine
    idle_in_transaction = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
    )
    seen: list[tuple[str, int]] = []

    def look():
        with engine.connect() as conn:
            seen.append((shop.stripe.requests[-1][1], conn.scalar(idle_in_transaction)))

    db.session.commit()
    shop.stripe.on_request = look
    paid = shop.order().json  # the intent is created
    shop.pay(paid)  # the event's intent is read again at the provider
    unpaid = shop.order().json
    for order in (paid, unpaid):  # refunded; its intent cancelled
        r = shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.buyer_headers)
        assert r.status_code == 200, r.json
    payments.reconcile_recent()  # recent intents listed

    paths = {path.rsplit("/", 1)[-1] if path.endswith("cancel") else path for path, _ in seen}
    assert {"/v1/payment_intents", "/v1/refunds", "cancel"} <= paths
    assert [count for _, count in seen] == [0] * len(seen)
