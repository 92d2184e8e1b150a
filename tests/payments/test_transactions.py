"""The payment provider is asked with no database transaction open: while it takes its time, no
connection of ours sits idle in a transaction holding row locks. Every gateway's calls to its
provider refuse to run inside one (gateways.asks_provider), whoever calls them."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.payments.alipay import AlipayGateway
from marketplace.payments.gateways import DevGateway, StripeGateway, gateway
from marketplace.payments.wechatpay import WechatPayGateway

PROVIDER_CALLS = (
    "create_intent",
    "retrieve_intent",
    "cancel_intent",
    "refund",
    "list_refunds",
    "list_recent_intents",
)


@pytest.mark.parametrize("gateway_class", [StripeGateway, AlipayGateway, WechatPayGateway, DevGateway])
@pytest.mark.parametrize("call", PROVIDER_CALLS)
def test_no_gateway_asks_its_provider_inside_a_transaction(app, gateway_class, call):
    provider = object.__new__(gateway_class)  # unconfigured: the refusal comes before it is used
    db.session.scalar(select(1))
    with pytest.raises(RuntimeError, match="inside a database transaction"):
        getattr(provider, call)()
    db.session.rollback()


def test_a_call_refused_inside_a_transaction_never_reaches_the_provider(shop, app):
    intent_id = shop.order().json["payment"]["payment_intent_id"]
    asked = len(shop.stripe.requests)
    db.session.scalar(select(1))
    with pytest.raises(RuntimeError, match="inside a database transaction"):
        gateway("stripe").retrieve_intent(intent_id)
    assert len(shop.stripe.requests) == asked
    db.session.commit()
    assert gateway("stripe").retrieve_intent(intent_id).id == intent_id
    assert len(shop.stripe.requests) == asked + 1


@pytest.mark.postgres
def test_no_transaction_is_open_and_no_row_locked_while_the_provider_answers(shop, app):
    engine = db.engine
    idle_in_transaction = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
    )
    seen: list[tuple[str, int, list[str]]] = []

    def look():
        with engine.connect() as conn:
            idle = conn.scalar(idle_in_transaction)
        locked = []
        for table in ("orders", "payments", "refunds", "products"):
            try:
                with engine.begin() as conn:
                    conn.execute(text(f"SELECT id FROM {table} FOR UPDATE NOWAIT"))
            except OperationalError:
                locked.append(table)
        seen.append((shop.stripe.requests[-1][1], idle, locked))

    db.session.commit()
    shop.stripe.on_request = look
    paid = shop.order().json  # the intent is created
    shop.pay(paid)  # the event's intent is read again at the provider
    r = shop.client.post(
        f"/api/v1/orders/{paid['id']}/refunds", json={"amount_fen": 100}, headers=shop.admin_headers
    )
    assert r.status_code == 201, r.json
    unpaid = shop.order().json
    for order in (paid, unpaid):  # the rest refunded; its intent cancelled
        r = shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.buyer_headers)
        assert r.status_code == 200, r.json
    payments.reconcile_recent()  # recent intents listed
    shop.stripe.on_request = None

    paths = [path.rsplit("/", 1)[-1] if path.endswith("cancel") else path for path, _, _ in seen]
    assert {"/v1/payment_intents", "/v1/refunds", "cancel"} <= set(paths)
    assert paths.count("/v1/refunds") >= 2  # the admin's refund, and the cancelled order's
    assert [(idle, locked) for _, idle, locked in seen] == [(0, [])] * len(seen)
