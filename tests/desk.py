"""The procurement desk the tests of purchase orders (and of the tallies and alerts they feed) work at
(fixture `desk` in tests/conftest.py)."""

from datetime import timedelta

from marketplace.agencies.models import Agency, AgencyMember
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory, valid_uscc


class Desk:
    """An agency with a lead unit above it, its purchaser and approvers, and two suppliers."""

    def __init__(self, client, make_user):
        self.client = client
        self.lead = self.agency("山东省农业农村厅", "government", None, [1_000_000, 5_000_000])
        self.unit = self.agency(
            "山东省农业农村厅机关服务中心", "government", self.lead.id, [1_000_000, 5_000_000]
        )
        self.purchaser, self.purchaser_h = make_user()
        self.approver, self.approver_h = make_user()
        self.approver2, self.approver2_h = make_user()
        self.lead_approver, self.lead_approver_h = make_user()
        self.stranger, self.stranger_h = make_user()
        self.admin, self.admin_h = make_user(("admin", None))
        self.member(self.unit, self.purchaser, "purchaser")
        self.member(self.unit, self.approver, "approver")
        self.member(self.unit, self.approver2, "approver")
        self.member(self.lead, self.lead_approver, "approver")
        self.member_a, self.supplier_a_h = make_user()
        self.member_b, self.supplier_b_h = make_user()
        self.supplier_a = SupplierFactory(members=[self.member_a])
        self.supplier_b = SupplierFactory(members=[self.member_b], region_code="530627")
        certified = {
            "certificate_no": "BF-500236-2026-000001",
            "certified_until": china_today() + timedelta(days=300),
        }
        self.orange = ProductFactory(
            supplier=self.supplier_a, name="奉节脐橙 10kg", price_fen=9900, stock=1000, **certified
        )
        self.potato = ProductFactory(
            supplier=self.supplier_b,
            name="镇雄马铃薯 25kg",
            price_fen=5000,
            stock=500,
            category_code="vegetables.tubers",
            certificate_no="BF-530627-2026-000002",
            certified_until=china_today() + timedelta(days=300),
        )
        self.uncertified = ProductFactory(
            supplier=self.supplier_a, name="奉节夏橙 10kg", price_fen=8000, stock=100
        )

    def agency(self, name, kind, parent_id, tiers, region="370102"):
        agency = Agency(
            name=name,
            kind=kind,
            uscc=valid_uscc(division="370102"),
            region_code=region,
            parent_id=parent_id,
            approval_tiers_fen=tiers,
        )
        db.session.add(agency)
        db.session.commit()
        return agency

    def member(self, agency, user, role):
        db.session.add(AgencyMember(agency_id=agency.id, user_id=user.id, role=role))
        db.session.commit()

    def draft(self, lines=None, headers=None, agency=None):
        lines = (
            lines
            if lines is not None
            else [
                {"product_id": self.orange.id, "quantity": 100},
                {"product_id": self.potato.id, "quantity": 40},
            ]
        )
        body = {
            "agency_id": (agency or self.unit).id,
            "lines": lines,
            "delivery_address": "济南市历下区 机关食堂",
        }
        r = self.client.post("/api/v1/purchase-orders", json=body, headers=headers or self.purchaser_h)
        assert r.status_code == 201, r.json
        return r.json

    def step(self, order, path, headers, body=None, expect=200):
        r = self.client.post(
            f"/api/v1/purchase-orders/{order['id']}/{path}", json=body or {}, headers=headers
        )
        assert r.status_code == expect, (path, r.json)
        return r.json

    def stock(self, product):
        from marketplace.catalog.models import Product

        return db.session.get(Product, product.id, populate_existing=True).stock

    def run_to_paid(self, order):
        """Submit → its approvals → both suppliers confirm and ship → received → invoiced → paid."""
        state = self.step(order, "submit", self.purchaser_h)
        for headers in (self.approver_h, self.lead_approver_h)[: state["approvals_required"]]:
            self.step(order, "approve", headers)
        self.step(order, "confirm", self.supplier_a_h)
        self.step(order, "confirm", self.supplier_b_h)
        for headers in (self.supplier_a_h, self.supplier_b_h):
            self.step(order, "ship", headers, {"carrier": "中国邮政", "tracking_no": "EMS0001"})
        lines = [{"line_id": line["id"], "quantity_received": line["quantity"]} for line in order["lines"]]
        self.step(order, "receipts", self.purchaser_h, {"lines": lines})
        self.step(order, "invoices", self.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 990000})
        self.step(order, "invoices", self.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200000})
        r = self.client.post(
            f"/api/v1/purchase-orders/{order['id']}/payments",
            json={"amount_fen": 1_190_000, "method": "bank_transfer", "reference": "ICBC20261122001"},
            headers=self.admin_h,
        )
        assert r.status_code == 201, r.json
        return r.json
