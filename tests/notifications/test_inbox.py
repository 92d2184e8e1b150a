"""Notifications: the people an event concerns are told once, in the inbox and (unless they turn it
off) by mail, in their own language: a supplier of a paid order, the buyer of a shipped parcel,
the approvers of a submitted purchase order, its purchaser and suppliers once decided."""

from datetime import timedelta

from marketplace.certification import services as certification
from marketplace.extensions import db
from marketplace.notifications import services
from marketplace.notifications.models import Notification, NotificationKind
from marketplace.orders.models import Order
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory


def inbox(client, headers, query=""):
    r = client.get(f"/api/v1/me/notifications{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def unread(client, headers):
    return client.get("/api/v1/me/notifications/unread-count", headers=headers).json["unread"]


def test_a_supplier_learns_of_a_paid_order_and_the_buyer_of_the_parcel_shipped(shop, mailbox):
    order = shop.order().json
    assert inbox(shop.client, shop.supplier_a_headers) == []  # not paid yet: nothing to ship
    intent = shop.pay(order)
    told = inbox(shop.client, shop.supplier_a_headers)
    assert [n["kind"] for n in told] == ["order_received"]
    assert told[0]["title"] == "新订单待发货"
    assert "¥139.80" in told[0]["message"] and f"订单 {order['id']}" in told[0]["message"]
    assert told[0]["link"] == "/workbench/orders"  # its orders to ship, not the buyer's page
    # The provider announces the payment again: nobody is told twice.
    assert shop.webhook("payment_intent.succeeded", intent, event_id="evt_again").status_code == 200
    assert unread(shop.client, shop.supplier_a_headers) == 1
    part = next(f for f in order["fulfilments"] if f["supplier_id"] == shop.supplier_a.id)
    r = shop.client.post(
        f"/api/v1/fulfilments/{part['id']}/ship",
        json={"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
        headers=shop.supplier_a_headers,
    )
    assert r.status_code == 200, r.json
    shipped = inbox(shop.client, shop.buyer_headers)
    assert [n["kind"] for n in shipped] == ["parcel_shipped"]
    assert "顺丰速运" in shipped[0]["message"] and "SF1234567890" in shipped[0]["message"]
    mails = mailbox.messages(shop.buyer.email)
    assert [m["Subject"] for m in mails] == ["您的包裹已发出"]
    assert "SF1234567890" in mails[0].get_content() and f"/orders/{order['id']}" in mails[0].get_content()
    # The other buyer was told nothing.
    assert inbox(shop.client, shop.other_headers) == []


def test_the_inbox_marks_read_one_or_all_and_only_the_owners(shop):
    order = shop.order().json
    shop.pay(order)
    for other in shop.order().json, shop.order().json:
        shop.pay(other)
    headers = shop.supplier_a_headers
    assert unread(shop.client, headers) == 3
    first = inbox(shop.client, headers)[0]
    assert (
        shop.client.post(
            f"/api/v1/me/notifications/{first['id']}/read", headers=shop.buyer_headers
        ).status_code
        == 404
    )
    r = shop.client.post(f"/api/v1/me/notifications/{first['id']}/read", headers=headers)
    assert r.status_code == 200 and r.json["read_at"] is not None
    assert unread(shop.client, headers) == 2
    assert len(inbox(shop.client, headers, "?unread=true")) == 2
    assert shop.client.post("/api/v1/me/notifications/read-all", headers=headers).json == {"marked": 2}
    assert unread(shop.client, headers) == 0 and len(inbox(shop.client, headers)) == 3


def test_mail_is_a_channel_each_user_may_turn_off(shop, mailbox):
    assert (
        shop.client.get("/api/v1/me/notification-settings", headers=shop.buyer_headers).json["email"] is True
    )
    r = shop.client.put("/api/v1/me/notification-settings", json={"email": False}, headers=shop.buyer_headers)
    assert r.status_code == 200 and r.json["email"] is False
    assert (
        shop.client.put(
            "/api/v1/me/notification-settings", json={"email": "sometimes"}, headers=shop.buyer_headers
        ).status_code
        == 422
    )
    order = shop.order().json
    shop.pay(order)
    part = order["fulfilments"][0]
    headers = (
        shop.supplier_a_headers if part["supplier_id"] == shop.supplier_a.id else shop.supplier_b_headers
    )
    shop.client.post(
        f"/api/v1/fulfilments/{part['id']}/ship",
        json={"carrier": "邮政", "tracking_no": "EMS1"},
        headers=headers,
    )
    assert unread(shop.client, shop.buyer_headers) == 1  # the inbox is always on
    assert mailbox.messages(shop.buyer.email) == []


def test_one_event_told_twice_is_stored_once_per_user(app, shop):
    order = shop.order().json
    subject = db.session.get(Order, order["id"])
    users = {shop.buyer.id, shop.other_buyer.id}
    params = {"order_id": order["id"], "quantity": 1, "amount_fen": 100}
    assert services.notify(users, NotificationKind.ORDER_RECEIVED, subject, "test:1", params) == 2
    assert services.notify(users, NotificationKind.ORDER_RECEIVED, subject, "test:1", params) == 0
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 2


def test_approvers_learn_an_order_waits_and_purchaser_and_suppliers_how_it_was_decided(desk):
    order = desk.draft()
    desk.step(order, "submit", desk.purchaser_h)
    for headers in desk.approver_h, desk.approver2_h, desk.lead_approver_h:
        waiting = inbox(desk.client, headers)
        assert [n["kind"] for n in waiting] == ["po_awaiting_approval"]
        assert "山东省农业农村厅机关服务中心" in waiting[0]["message"]
    assert inbox(desk.client, desk.purchaser_h) == [] and inbox(desk.client, desk.stranger_h) == []
    assert inbox(desk.client, desk.supplier_a_h) == []
    desk.step(order, "approve", desk.approver_h)
    assert [n["kind"] for n in inbox(desk.client, desk.purchaser_h)] == ["po_approved"]
    for headers in desk.supplier_a_h, desk.supplier_b_h:
        assert [n["kind"] for n in inbox(desk.client, headers)] == ["po_received"]


def test_a_rejected_purchase_order_tells_its_purchaser_why(desk):
    order = desk.draft()
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "reject", desk.approver_h, {"comment": "预算不足，请下月再报"})
    told = inbox(desk.client, desk.purchaser_h)
    assert [n["kind"] for n in told] == ["po_rejected"] and "预算不足，请下月再报" in told[0]["message"]
    assert inbox(desk.client, desk.supplier_a_h) == []


def test_a_supplier_learns_each_decision_on_its_certification(client, make_user):
    member, member_headers = make_user()
    county = make_user(("region_officer", "500236"))[1]
    municipality = make_user(("region_officer", "500000"))[1]
    product = ProductFactory(
        name="奉节脐橙", supplier=SupplierFactory(members=[member], region_code="500236")
    )
    commitment = {"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"}
    applied = client.post(
        f"/api/v1/products/{product.id}/certification",
        json={"commitment": commitment},
        headers=member_headers,
    )
    assert applied.status_code == 201, applied.json

    def review(headers):
        r = client.post(
            f"/api/v1/certifications/{applied.json['id']}/review",
            json={"decision": "approve"},
            headers=headers,
        )
        assert r.status_code == 200, r.json

    review(county)
    assert inbox(client, member_headers) == []  # a stage passed, nothing decided yet
    review(municipality)
    certification.advance_certifications(china_today() + timedelta(days=7))
    told = inbox(client, member_headers)
    assert [n["kind"] for n in told] == ["certification_decided"] * 2
    assert told[0]["message"] == "奉节脐橙 的帮扶产品认定结果：已认定。"
    assert told[1]["message"] == "奉节脐橙 的帮扶产品认定结果：已审核通过，正在公示。"
    assert told[0]["link"] == f"/workbench/products/{product.id}"  # the product's certification
