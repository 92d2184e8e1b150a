"""A payment's and a refund's own audit trail, as an admin reads it in the audit log: each move of
its status once, by whoever caused it (None for the provider's answer), with the reason where one is
known; the provider saying the same thing again adds nothing."""

from marketplace.extensions import db
from marketplace.payments.models import Payment


def trail(shop, subject_type, subject_id, headers=None):
    r = shop.client.get(
        "/api/v1/audit-events",
        query_string={"subject_type": subject_type, "subject_id": subject_id},
        headers=headers or {**shop.admin_headers, "Accept-Language": "en"},
    )
    assert r.status_code == 200, r.json
    fields = ("action", "from_status", "to_status", "actor_id", "reason")
    return [tuple(event[f] for f in fields) for event in reversed(r.json)]  # oldest first


def payment_of(order):
    return db.session.scalar(
        db.select(Payment.id).where(Payment.provider_ref == order["payment"]["payment_intent_id"])
    )


def test_a_paid_payment_shows_its_one_move_by_the_provider_however_often_it_is_told(shop):
    order = shop.order().json
    intent = shop.pay(order)
    assert shop.webhook("payment_intent.succeeded", intent).status_code == 200  # the provider repeats itself
    assert trail(shop, "payments", payment_of(order)) == [("succeed", "pending", "succeeded", None, None)]
    # Only admins read it: a buyer sees their order's history, not the audit log.
    r = shop.client.get(
        "/api/v1/audit-events", query_string={"subject_type": "payments"}, headers=shop.buyer_headers
    )
    assert r.status_code == 403


def test_a_refund_an_admin_asked_for_is_theirs_and_its_settlement_the_providers(shop):
    order = shop.order().json
    shop.pay(order)
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 1000}, headers=shop.admin_headers
    )
    assert r.status_code == 201 and r.json["status"] == "succeeded"
    assert trail(shop, "refunds", r.json["id"]) == [
        ("request", None, "pending", shop.admin.id, None),
        ("succeed", "pending", "succeeded", None, None),
    ]


def test_a_refund_the_provider_fails_later_records_why_once(shop):
    order = shop.order().json
    shop.pay(order)
    shop.stripe.refund_status = "pending"
    r = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds", json={"amount_fen": 2500}, headers=shop.admin_headers
    )
    refund = shop.stripe.settle_refund(next(iter(shop.stripe.refunds)), "failed")
    for _ in range(2):
        assert shop.webhook("refund.updated", refund).status_code == 200
    assert trail(shop, "refunds", r.json["id"]) == [
        ("request", None, "pending", shop.admin.id, None),
        ("fail", "pending", "failed", None, "the provider's refund failed"),
    ]


def test_a_rejected_payment_records_why_and_a_buyers_cancel_is_theirs(shop):
    short = shop.order().json
    intent = shop.stripe.succeed(short["payment"]["payment_intent_id"], 1)
    for _ in range(2):
        assert shop.webhook("payment_intent.succeeded", intent).status_code == 200
    why = f"1 fen was received of the {short['total_fen']} fen owed"
    assert trail(shop, "payments", payment_of(short)) == [("fail", "pending", "failed", None, why)]

    unpaid = shop.order([{"product_id": shop.orange.id, "quantity": 1}]).json
    assert (
        shop.client.post(f"/api/v1/orders/{unpaid['id']}/cancel", headers=shop.buyer_headers).status_code
        == 200
    )
    assert trail(shop, "payments", payment_of(unpaid)) == [
        ("cancel", "pending", "canceled", shop.buyer.id, "cancelled before payment")
    ]
