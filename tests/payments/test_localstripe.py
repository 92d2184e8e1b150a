"""The order and payment flow against localstripe, an independent Stripe-compatible server,
so that our own fake is not the only judge of how we speak Stripe."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from tests.shop import Shop


@pytest.fixture(scope="module")
def localstripe():
    binary = shutil.which("localstripe") or str(Path(sys.executable).parent / "localstripe")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("localstripe did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def shop_on_localstripe(app, client, fake_stripe, make_user, localstripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    app.extensions.pop("payment_gateway", None)
    yield (
        Shop(client, fake_stripe, make_user),
        stripe.StripeClient(
            "sk_test_localstripe", base_addresses={"api": localstripe}, max_network_retries=0
        ),
    )
    app.extensions.pop("payment_gateway", None)


def buyer_pays(stripe_client, intent_id):
    """What Stripe.js does in the buyer's browser with the client secret."""
    card = stripe_client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe_client.v1.payment_intents.update(intent_id, params={"payment_method": card.id})
    return stripe_client.v1.payment_intents.confirm(intent_id).to_dict()


def test_order_paid_refunded_and_cancelled_through_localstripe(shop_on_localstripe):
    shop, stripe_client = shop_on_localstripe
    order = shop.order().json
    intent_id = order["payment"]["payment_intent_id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id).to_dict()
    assert (intent["amount"], intent["currency"], intent["metadata"]) == (
        19860,
        "cny",
        {"order_id": str(order["id"])},
    )

    paid_intent = buyer_pays(stripe_client, intent_id)
    assert paid_intent["status"] == "succeeded"
    assert shop.webhook("payment_intent.succeeded", paid_intent).status_code == 200
    paid = shop.get(order["id"]).json
    assert (paid["status"], paid["paid_fen"]) == ("paid", 19860)

    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 5000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "succeeded"
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [x.amount for x in refunds] == [5000]
    assert shop.get(order["id"]).json["refunded_fen"] == 5000

    other = shop.order([{"product_id": shop.plum.id, "quantity": 1}]).json
    r = shop.client.post(f"/api/v1/orders/{other['id']}/cancel", headers=shop.buyer_headers)
    assert r.json["status"] == "cancelled"
    assert (
        stripe_client.v1.payment_intents.retrieve(other["payment"]["payment_intent_id"]).status == "canceled"
    )
