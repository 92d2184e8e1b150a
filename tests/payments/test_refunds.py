"""Refunds of an order's payment: by line (a supplier, its own lines) or by amount (an admin), never
more than was paid, settled when the provider finishes them later, in whole fen."""

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.payments.models import Refund


def test_refunds_by_line_and_by_amount_never_exceed_what_was_paid(shop):
    order = shop.order().json
    shop.pay(order)
    orange_line = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    plum_line = next(line for line in order["lines"] if line["product_id"] == shop.plum.id)
    url = f"/api/v1/orders/{order['id']}/refunds"
    r = shop.client.post(
        url, json={"lines": [{"line_id": plum_line["id"], "quantity": 1}]}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 422  # not supplier A's line
    r = shop.client.post(
        url, json={"lines": [{"line_id": orange_line["id"], "quantity": 1}]}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 201 and r.json["status"] == "succeeded" and r.json["amount_fen"] == 6990
    r = shop.client.post(
        url, json={"lines": [{"line_id": orange_line["id"], "quantity": 2}]}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 422  # only one orange left to refund
    assert shop.client.post(url, json={"amount_fen": 100}, headers=shop.supplier_a_headers).status_code == 403
    assert shop.client.post(url, json={"amount_fen": 12871}, headers=shop.admin_headers).status_code == 409
    r = shop.client.post(url, json={"amount_fen": 12870}, headers=shop.admin_headers)
    assert r.status_code == 201
    final = shop.get(order["id"]).json
    assert final["refunded_fen"] == final["paid_fen"] == 19860
    assert shop.stripe.succeeded_refunds(order["payment"]["payment_intent_id"]) == 19860
    assert shop.client.post(url, json={"amount_fen": 1}, headers=shop.admin_headers).status_code == 409


def test_refund_events_settle_a_refund_the_provider_finished_later(shop, monkeypatch):
    order = shop.order().json
    shop.pay(order)
    shop.stripe.fail_next(3)  # the refund call fails through the SDK's retries: left pending
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 1000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "pending"
    assert shop.get(order["id"]).json["refunded_fen"] == 0
    assert payments.reconcile_recent()["refunds_retried"] == 1
    assert shop.get(order["id"]).json["refunded_fen"] == 1000


def test_a_refund_the_provider_finishes_later_is_settled_by_its_webhook(shop):
    order = shop.order().json
    shop.pay(order)
    shop.stripe.refund_status = "pending"
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 2500}, headers=shop.admin_headers
    )
    assert r.json["status"] == "pending" and shop.get(order["id"]).json["refunded_fen"] == 0
    refund = shop.stripe.settle_refund(next(iter(shop.stripe.refunds)))
    assert shop.webhook("refund.updated", refund).status_code == 200
    assert shop.get(order["id"]).json["refunded_fen"] == 2500
    assert (
        shop.webhook(
            "charge.refunded", {"id": "ch_x", "object": "charge", "payment_intent": refund["payment_intent"]}
        ).status_code
        == 200
    )
    assert shop.get(order["id"]).json["refunded_fen"] == 2500  # counted once


def test_a_refund_of_a_fraction_of_a_fen_is_422_not_rounded_down(shop):
    order = shop.order().json
    shop.pay(order)
    url = f"/api/v1/orders/{order['id']}/refunds"
    r = shop.client.post(url, json={"amount_fen": 100.5}, headers=shop.admin_headers)
    assert r.status_code == 422 and r.json["errors"]["json"]["amount_fen"] == ["须为整数。"]
    seen = shop.client.get(f"/api/v1/orders/{order['id']}", headers=shop.buyer_headers).json
    assert seen["refunded_fen"] == 0


class Died(Exception):
    """The process ended between the provider's answer and its record."""


def test_a_refund_whose_answer_was_lost_is_recorded_once_by_reconciliation(shop, app, monkeypatch):
    order = shop.order().json
    shop.pay(order)
    intent_id = order["payment"]["payment_intent_id"]

    def die(*args, **kwargs):
        raise Died

    monkeypatch.setattr(payments, "_settle_refund", die)
    admin = db.session.get(User, shop.admin.id)
    with pytest.raises(Died):
        payments.refund_order(admin, order["id"], None, 1000)
    db.session.rollback()
    monkeypatch.undo()
    # The refund was recorded before the provider was asked, and the provider has made it; our
    # record of its answer was lost with the process.
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order["id"])).one()
    assert (refund.status, refund.provider_ref) == ("pending", None)
    assert shop.stripe.succeeded_refunds(intent_id) == 1000

    assert payments.reconcile_recent()["refunds_retried"] == 1  # asked again, by the same key
    assert shop.stripe.succeeded_refunds(intent_id) == 1000
    assert shop.get(order["id"]).json["refunded_fen"] == 1000
    assert payments.reconcile_recent()["refunds_retried"] == 0
