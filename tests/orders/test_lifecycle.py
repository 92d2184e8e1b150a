import pytest

from marketplace.audit.models import AuditEvent
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.orders import lifecycle
from marketplace.orders.models import Order, OrderStatus

SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def events_of(order_id):
    return db.session.scalar(
        db.select(db.func.count()).where(
            AuditEvent.subject_type == "orders", AuditEvent.subject_id == order_id
        )
    )


def test_a_part_of_a_cancelled_order_does_not_ship_and_nothing_changes(shop):
    order = shop.order().json
    shop.pay(order)
    assert (
        shop.client.post(f"/api/v1/orders/{order['id']}/cancel", headers=shop.buyer_headers).status_code
        == 200
    )
    fulfilment = next(f for f in order["fulfilments"] if f["supplier_id"] == shop.supplier_a.id)
    before = events_of(order["id"])
    r = shop.client.post(
        f"/api/v1/fulfilments/{fulfilment['id']}/ship", json=SHIP, headers=shop.supplier_a_headers
    )
    assert r.status_code == 409
    after = shop.get(order["id"]).json
    assert after["status"] == "cancelled"
    assert [(f["status"], f["tracking_no"]) for f in after["fulfilments"]] == [("cancelled", None)] * 2
    assert events_of(order["id"]) == before


def test_a_part_not_shipped_is_not_delivered(shop):
    order = shop.order().json
    shop.pay(order)
    fulfilment = next(f for f in order["fulfilments"] if f["supplier_id"] == shop.supplier_a.id)
    r = shop.client.post(f"/api/v1/fulfilments/{fulfilment['id']}/deliver", headers=shop.supplier_a_headers)
    assert r.status_code == 409 and r.json["message"] == "只有已发货的部分才能确认送达（该部分为“待发货”）。"


def test_the_lifecycle_refuses_a_move_it_does_not_know_and_records_nothing(shop):
    order = db.session.get(Order, shop.order().json["id"])
    before = events_of(order.id)
    for to in (OrderStatus.COMPLETED, OrderStatus.PENDING_PAYMENT):
        with pytest.raises(Conflict):
            lifecycle.move(order, to, None, "complete")
    assert order.status == OrderStatus.PENDING_PAYMENT and order.closed_at is None
    assert events_of(order.id) == before
