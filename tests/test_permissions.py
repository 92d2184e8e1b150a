"""The permission matrix: every endpoint × every role, on tenant A's objects, → the status expected.

Tenant A owns every object the paths name: supplier A and its product, buyer A's web order and its
fulfilment, agency A's purchase order, a certification in county 500236. Each role comes in two:
the one who owns the object (`buyer`, `supplier`, `purchaser` and `approver`, `officer` of 500236
and 370102) and another tenant's (`other_buyer`, `other_supplier`, `other_purchaser`,
`other_officer` of 110000).

A cell is a status, or OK: the permission check let the caller through (2xx, or 409/422 from the
object's state, never 401/403/404). Each permitted caller acts on a world of its own. An endpoint
the app serves without a row here fails `test_every_endpoint_has_a_row`.
"""

from datetime import timedelta
from io import BytesIO

import pytest

from marketplace.agencies.models import Agency, AgencyFiling, AgencyMember
from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement.models import ImportJob, PurchaseOrder
from marketplace.suppliers.models import Supplier
from marketplace.timeutil import china_today
from tests import images
from tests.conftest import WEBHOOK_SECRET, start_afresh
from tests.factories import ProductFactory, SupplierFactory, valid_uscc

OK = "ok"
ACTORS = (
    "anon",
    "buyer",
    "other_buyer",
    "supplier",
    "other_supplier",
    "purchaser",
    "approver",
    "other_purchaser",
    "officer",
    "other_officer",
    "admin",
)
PNG = images.png()
INVOICE = b"%PDF-1.7\n%%EOF\n"
ADDRESS = {
    "region_code": "370102",
    "detail": "济南市历下区泉城路 1 号",
    "recipient": "张伟",
    "phone": "13900001111",
}


def cells(default, **given):
    """Every actor's cell: `default` for the signed-in, 401 for anon, unless given."""
    row = {actor: default for actor in ACTORS}
    row["anon"] = 401
    row.update(given)
    return row


PUBLIC = {actor: OK for actor in ACTORS}
ANY_USER = cells(OK)
ADMIN = cells(403, admin=OK)
# What officers read within their regions: the other officer's lists and sums are empty
# (tests/ledger/test_scope.py, tests/alerts/test_scope.py); another region's target is not theirs.
OFFICERS_SCOPED = cells(403, officer=OK, other_officer=OK, admin=OK)
IN_REGION = cells(403, officer=OK, other_officer=404, admin=OK)
# Officers act on what lies in their region; elsewhere they are refused.
REGION_403 = cells(403, officer=OK, admin=OK)
WEB_ORDER = cells(404, buyer=OK, supplier=OK, admin=OK)
PO_READ = cells(404, purchaser=OK, approver=OK, supplier=OK, admin=OK)
PO_SUPPLIER = cells(404, supplier=OK, purchaser=403, approver=403, admin=403)
PO_AGENCY = cells(404, purchaser=OK, approver=403, supplier=403, admin=403)
PO_APPROVER = cells(404, approver=OK, purchaser=403, supplier=403, admin=403)
# An order's imports are read on the agency's side; its suppliers see the order but not the files.
PO_IMPORTS = cells(404, purchaser=OK, approver=OK, supplier=403, admin=OK)
# Agencies are seen by their members, the approvers of lead units above them, and admins.
SEES_AGENCY = cells(404, purchaser=OK, approver=OK, admin=OK)
# An application is its supplier's and its officers'; to anyone else it does not exist.
CERTIFICATION = cells(404, supplier=OK, officer=OK, admin=OK)
COMMITMENT = {"commitment": {"quality": True, "price": True, "truthfulness": True, "signed_by": "王明"}}

MATRIX = {
    ("GET", "/api/openapi.json"): (None, PUBLIC),
    ("GET", "/api/docs"): (None, PUBLIC),
    ("GET", "/api/docs/static/<path:filename>"): ("/api/docs/static/swagger-ui-bundle.js", PUBLIC),
    ("GET", "/static/<path:filename>"): ("/static/none.css", {a: 404 for a in ACTORS}),
    # The web app (marketplace/web.py): its page for every path outside /api, built or not.
    ("GET", "/"): (None, PUBLIC),
    ("GET", "/<app_path:path>"): ("/dashboard", PUBLIC),
    ("GET", "/assets/<path:filename>"): ("/assets/none.js", {a: 404 for a in ACTORS}),
    # Accounts
    ("POST", "/api/v1/auth/register"): (
        {"email": "new@example.test", "password": "a long password", "display_name": "新用户"},
        PUBLIC,
    ),
    ("POST", "/api/v1/auth/token"): (
        {"email": "nobody@example.test", "password": "wrong password"},
        {a: 401 for a in ACTORS},
    ),
    ("POST", "/api/v1/auth/password"): (
        {"current_password": "not the password", "new_password": "a new password"},
        cells(422),
    ),
    ("POST", "/api/v1/auth/verify-email"): ({"token": "not-a-mailed-token"}, cells(422)),
    # Signed-in callers are verified here: a resend is a 409 for them.
    ("POST", "/api/v1/auth/verify-email/resend"): ({}, ANY_USER),
    ("POST", "/api/v1/auth/password-reset"): ({"email": "nobody@example.test"}, PUBLIC),
    ("POST", "/api/v1/auth/password-reset/confirm"): (
        {"token": "not-a-mailed-token", "new_password": "a new password"},
        {a: 422 for a in ACTORS},
    ),
    ("GET", "/api/v1/me"): (None, ANY_USER),
    ("PATCH", "/api/v1/me"): ({"locale": "en"}, ANY_USER),
    ("GET", "/api/v1/me/invitations"): (None, ANY_USER),
    ("GET", "/api/v1/me/addresses"): (None, ANY_USER),
    ("POST", "/api/v1/me/addresses"): (ADDRESS, ANY_USER),
    # Buyer A's address: another user's id is not found.
    ("PATCH", "/api/v1/me/addresses/<int:address_id>"): ({"detail": "泉城路 2 号"}, cells(404, buyer=OK)),
    ("DELETE", "/api/v1/me/addresses/<int:address_id>"): (None, cells(404, buyer=OK)),
    # Every user's own cart; buyer A's address is another's 422 at checkout.
    ("GET", "/api/v1/cart"): (None, ANY_USER),
    ("PUT", "/api/v1/cart/items/<int:product_id>"): ({"quantity": 1}, ANY_USER),
    ("DELETE", "/api/v1/cart/items/<int:product_id>"): (None, ANY_USER),
    ("POST", "/api/v1/cart/checkout"): ({"address_id": "{address}", "payment_method": "alipay"}, ANY_USER),
    # The admin's invitation of other_buyer to agency A: theirs alone to accept.
    ("POST", "/api/v1/invitations/<int:invitation_id>/accept"): (None, cells(404, other_buyer=OK)),
    ("GET", "/api/v1/users"): (None, ADMIN),
    ("GET", "/api/v1/users/<int:user_id>"): (None, ADMIN),
    ("POST", "/api/v1/users/<int:user_id>/roles"): (
        {"role": "region_officer", "region_code": "500236"},
        ADMIN,
    ),
    ("DELETE", "/api/v1/users/<int:user_id>/roles"): ("?role=region_officer&region_code=500236", ADMIN),
    ("POST", "/api/v1/users/<int:user_id>/deactivate"): ({"reason": "调离岗位"}, ADMIN),
    ("POST", "/api/v1/users/<int:user_id>/reactivate"): ({}, ADMIN),
    ("GET", "/api/v1/audit-events"): (None, ADMIN),
    # Regions and the catalog
    ("GET", "/api/v1/regions"): (None, PUBLIC),
    ("GET", "/api/v1/regions/<string:code>"): (None, PUBLIC),
    ("GET", "/api/v1/pairings"): (None, PUBLIC),
    ("GET", "/api/v1/categories"): (None, PUBLIC),
    ("GET", "/api/v1/products"): (None, PUBLIC),
    ("GET", "/api/v1/products/facets"): (None, PUBLIC),
    ("GET", "/api/v1/products/<int:product_id>"): (None, PUBLIC),
    ("POST", "/api/v1/products"): (
        {
            "supplier_id": "{supplier}",
            "name": "奉节脐橙 10kg",
            "category": "fruit.citrus",
            "unit": "箱",
            "price_fen": 9900,
            "stock": 10,
        },
        cells(403, supplier=OK),
    ),
    ("PATCH", "/api/v1/products/<int:product_id>"): ({"price_fen": 9800}, cells(403, supplier=OK, admin=OK)),
    ("GET", "/api/v1/products/<int:product_id>/batches"): (None, PUBLIC),
    ("POST", "/api/v1/products/<int:product_id>/batches"): (
        {"batch_code": "FJ-2026-11", "produced_on": "2026-11-01", "quantity": 10},
        cells(403, supplier=OK, admin=OK),
    ),
    ("POST", "/api/v1/products/<int:product_id>/images"): ("file", cells(403, supplier=OK, admin=OK)),
    ("DELETE", "/api/v1/products/<int:product_id>/images/<int:image_id>"): (
        None,
        cells(403, supplier=OK, admin=OK),
    ),
    ("GET", "/api/v1/images/<string:key>"): (None, PUBLIC),
    ("GET", "/api/v1/suppliers/<int:supplier_id>/products"): (None, cells(403, supplier=OK, admin=OK)),
    # Suppliers
    ("GET", "/api/v1/suppliers"): (None, PUBLIC),
    ("GET", "/api/v1/suppliers/<int:supplier_id>"): (None, PUBLIC),
    ("POST", "/api/v1/suppliers"): (
        {
            "name": "巫山县脆李专业合作社",
            "kind": "cooperative",
            "uscc": "{uscc}",
            "region_code": "500237",
            "linkage_modes": ["guaranteed_price_buying"],
            "households_linked": 30,
            "contact_name": "李华",
            "contact_phone": "13800000001",
        },
        ANY_USER,
    ),
    ("GET", "/api/v1/suppliers/<int:supplier_id>/history"): (
        None,
        cells(403, supplier=OK, officer=OK, admin=OK),
    ),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/members"): (
        {"email": "{other_buyer_email}"},
        cells(403, supplier=OK, admin=OK),
    ),
    ("GET", "/api/v1/suppliers/<int:supplier_id>/invitations"): (None, cells(403, supplier=OK, admin=OK)),
    # Its own sales by month: its members' and the admins', not its county's officers'.
    ("GET", "/api/v1/suppliers/<int:supplier_id>/sales"): (None, cells(403, supplier=OK, admin=OK)),
    ("DELETE", "/api/v1/suppliers/<int:supplier_id>/invitations/<int:invitation_id>"): (
        None,
        cells(403, supplier=OK, admin=OK),
    ),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/verify"): ({"decision": "approve"}, REGION_403),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/resubmit"): ({}, cells(403, supplier=OK)),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/suspend"): ({"reason": "抽检不合格"}, REGION_403),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/reinstate"): ({"reason": "整改完成"}, REGION_403),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/blacklist"): ({"reason": "虚假申报"}, REGION_403),
    # Certification
    ("POST", "/api/v1/products/<int:product_id>/certification"): (COMMITMENT, cells(404, supplier=OK)),
    ("GET", "/api/v1/certifications"): (None, ANY_USER),
    ("GET", "/api/v1/certifications/<int:certification_id>"): (None, {**CERTIFICATION, "anon": 404}),
    ("GET", "/api/v1/certifications/<int:certification_id>/history"): (None, CERTIFICATION),
    ("POST", "/api/v1/certifications/<int:certification_id>/review"): (
        {"decision": "approve"},
        {**CERTIFICATION, "supplier": 403},
    ),
    ("POST", "/api/v1/certifications/<int:certification_id>/revoke"): (
        {"reason": "抽检不合格"},
        {**CERTIFICATION, "supplier": 403},
    ),
    ("POST", "/api/v1/certifications/<int:certification_id>/renew"): (
        COMMITMENT,
        {**CERTIFICATION, "officer": 403, "admin": 403},
    ),
    ("GET", "/api/v1/certification-rules"): (None, ADMIN),
    ("POST", "/api/v1/certification-rules"): (
        {"province_code": "530000", "stages": ["county", "city", "province"], "notice_days": 10},
        ADMIN,
    ),
    ("GET", "/api/v1/certification-rules/<string:province_code>"): (None, ADMIN),
    # Notifications: each user's own inbox and channels
    ("GET", "/api/v1/me/notifications"): (None, ANY_USER),
    ("GET", "/api/v1/me/notifications/unread-count"): (None, ANY_USER),
    ("POST", "/api/v1/me/notifications/<int:notification_id>/read"): (None, cells(404, supplier=OK)),
    ("POST", "/api/v1/me/notifications/read-all"): (None, ANY_USER),
    ("GET", "/api/v1/me/notification-settings"): (None, ANY_USER),
    ("PUT", "/api/v1/me/notification-settings"): ({"email": False}, ANY_USER),
    # Web orders and payments
    ("POST", "/api/v1/orders"): (
        {
            "items": [{"product_id": "{product}", "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "alipay",
        },
        ANY_USER,
    ),
    ("GET", "/api/v1/orders"): (None, ANY_USER),
    ("GET", "/api/v1/orders/<int:order_id>"): (None, WEB_ORDER),
    ("GET", "/api/v1/orders/<int:order_id>/history"): (None, WEB_ORDER),
    ("POST", "/api/v1/orders/<int:order_id>/cancel"): ({}, cells(404, buyer=OK, admin=OK, supplier=403)),
    ("POST", "/api/v1/orders/<int:order_id>/refunds"): (
        {"lines": [{"line_id": "{order_line}", "quantity": 1}]},
        cells(404, supplier=OK, admin=OK, buyer=403),
    ),
    # After-sales: the buyer asks, the supplier of the lines (or an admin) decides.
    ("POST", "/api/v1/orders/<int:order_id>/after-sales"): (
        {"lines": [{"line_id": "{order_line}", "quantity": 1}], "reason": "包装破损"},
        cells(404, buyer=OK, supplier=403, admin=403),
    ),
    ("GET", "/api/v1/after-sales"): (None, ANY_USER),
    ("GET", "/api/v1/after-sales/<int:request_id>"): (None, WEB_ORDER),
    ("POST", "/api/v1/after-sales/<int:request_id>/accept"): (
        {},
        cells(404, supplier=OK, admin=OK, buyer=403),
    ),
    ("POST", "/api/v1/after-sales/<int:request_id>/reject"): (
        {"comment": "已过售后期"},
        cells(404, supplier=OK, admin=OK, buyer=403),
    ),
    ("POST", "/api/v1/after-sales/<int:request_id>/withdraw"): (
        None,
        cells(404, buyer=OK, supplier=403, admin=403),
    ),
    ("POST", "/api/v1/after-sales/<int:request_id>/photos"): (
        "file",
        cells(404, buyer=OK, supplier=403, admin=403),
    ),
    ("GET", "/api/v1/after-sales/<int:request_id>/photos/<int:photo_id>"): (None, WEB_ORDER),
    ("POST", "/api/v1/fulfilments/<int:fulfilment_id>/fapiao"): (
        {"title": "张伟"},
        cells(404, buyer=OK, supplier=403, admin=403),
    ),
    ("GET", "/api/v1/fapiao"): (None, ANY_USER),
    ("GET", "/api/v1/fapiao/<int:fapiao_id>"): (None, WEB_ORDER),
    ("POST", "/api/v1/fapiao/<int:fapiao_id>/invoice"): (
        "invoice",
        cells(404, supplier=OK, admin=OK, buyer=403),
    ),
    ("GET", "/api/v1/fapiao/<int:fapiao_id>/invoice"): (None, WEB_ORDER),
    ("POST", "/api/v1/fulfilments/<int:fulfilment_id>/ship"): (
        {"carrier": "顺丰", "tracking_no": "SF1234567890"},
        cells(404, supplier=OK, admin=OK),
    ),
    # Each caller's suppliers' parts: another's list is empty (tests/orders/test_fulfilment_list.py).
    ("GET", "/api/v1/fulfilments"): (None, ANY_USER),
    ("POST", "/api/v1/fulfilments/<int:fulfilment_id>/deliver"): ({}, cells(404, supplier=OK, admin=OK)),
    # The development gateway's page is not served when payments go to Stripe.
    ("POST", "/api/v1/dev/orders/<int:order_id>/confirm-payment"): ({}, cells(404)),
    ("POST", "/api/v1/webhooks/stripe"): ("webhook", PUBLIC),
    ("GET", "/api/v1/payment-methods"): (None, PUBLIC),
    # No bearer token passes, only WeChat Pay's signature (tests/payments/test_wechatpay.py); here,
    # where WeChat Pay is not offered, nobody's.
    ("POST", "/api/v1/webhooks/wechat-pay"): ({}, {actor: 401 for actor in ACTORS}),
    # Alipay's notifications are anyone's to send and only its signature lets one in: an empty form is
    # 422 (the fields it must have) whoever sends it; tests/payments/test_alipay.py signs real ones.
    ("POST", "/api/v1/webhooks/alipay"): (None, PUBLIC),
    # The buyer's own order only; tenant A's is paid through Stripe here, so the buyer's answer is 409.
    ("GET", "/api/v1/orders/<int:order_id>/payment/alipay"): (None, cells(404, buyer=OK)),
    # Agencies and procurement
    ("POST", "/api/v1/agencies"): (
        {
            "name": "济南市第一中学",
            "kind": "school",
            "uscc": "{agency_uscc}",
            "region_code": "370102",
            "approval_threshold_fen": 1_000_000,
        },
        ADMIN,
    ),
    ("GET", "/api/v1/agencies/standings"): (None, OFFICERS_SCOPED),
    ("GET", "/api/v1/agencies/<int:agency_id>"): (None, SEES_AGENCY),
    ("POST", "/api/v1/agencies/<int:agency_id>/members"): (
        {"email": "{other_buyer_email}", "role": "approver"},
        ADMIN,
    ),
    ("GET", "/api/v1/agencies/<int:agency_id>/invitations"): (None, ADMIN),
    ("DELETE", "/api/v1/agencies/<int:agency_id>/invitations/<int:invitation_id>"): (None, ADMIN),
    ("GET", "/api/v1/agencies/<int:agency_id>/quota"): (None, SEES_AGENCY),
    ("GET", "/api/v1/agencies/<int:agency_id>/quota/export.xlsx"): (None, SEES_AGENCY),
    ("GET", "/api/v1/agencies/<int:agency_id>/filings/<int:year>"): (None, SEES_AGENCY),
    ("PUT", "/api/v1/agencies/<int:agency_id>/filings/<int:year>"): (
        {"food_budget_fen": 10_000_000, "reserved_share_bp": 1000},
        SEES_AGENCY,
    ),
    ("POST", "/api/v1/agencies/<int:agency_id>/filings/<int:year>/return"): (
        {"reason": "预算数字有误"},
        {**SEES_AGENCY, "purchaser": 403, "approver": 403},  # a lead unit's approver's, or an admin's
    ),
    ("POST", "/api/v1/purchase-orders"): (
        {
            "agency_id": "{agency}",
            "lines": [{"product_id": "{product}", "quantity": 1}],
            "delivery_address": "济南市历下区 机关食堂",
        },
        cells(404, purchaser=OK, approver=403, admin=403),
    ),
    ("GET", "/api/v1/purchase-orders"): (None, ANY_USER),
    ("GET", "/api/v1/purchase-orders/<int:order_id>"): (None, PO_READ),
    ("GET", "/api/v1/purchase-orders/<int:order_id>/history"): (None, PO_READ),
    ("PUT", "/api/v1/purchase-orders/<int:order_id>/lines"): (
        {"lines": [{"product_id": "{product}", "quantity": 2}]},
        PO_AGENCY,
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/lines/import"): ("csv", PO_AGENCY),
    ("GET", "/api/v1/purchase-orders/<int:order_id>/imports/<int:job_id>"): (None, PO_IMPORTS),
    ("GET", "/api/v1/purchase-orders/<int:order_id>/lines/template.xlsx"): (None, PO_AGENCY),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/submit"): ({}, PO_AGENCY),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/approve"): ({"comment": "同意采购"}, PO_APPROVER),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/reject"): ({"comment": "暂不采购"}, PO_APPROVER),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/cancel"): (
        {"reason": "不再需要"},
        {**PO_AGENCY, "admin": OK},
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/confirm"): ({}, PO_SUPPLIER),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/ship"): (
        {"carrier": "顺丰", "tracking_no": "SF1234567890"},
        PO_SUPPLIER,
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/receipts"): (
        {"lines": [{"line_id": "{po_line}", "quantity_received": 1}]},
        PO_AGENCY,
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/invoices"): (
        {"invoice_no": "12345678", "amount_fen": 9900},
        PO_SUPPLIER,
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/e-invoices"): ("po_invoice", PO_SUPPLIER),
    # Another order of agency A's, received and invoiced by supplier A with its e-invoice.
    ("GET", "/api/v1/purchase-orders/<int:order_id>/e-invoices/<int:supplier_id>"): (None, PO_READ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/payments"): (
        {"amount_fen": 9900, "reference": "BANK-0001"},
        cells(403, admin=OK),
    ),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/rating"): (
        {"supplier_id": "{supplier}", "score": 5},
        {**PO_AGENCY, "approver": OK},
    ),
    # The ledger
    ("GET", "/api/v1/targets"): (None, OFFICERS_SCOPED),
    ("POST", "/api/v1/targets"): (
        {
            "name": "2027 年",
            "period_start": "2027-01-01",
            "period_end": "2028-01-01",
            "amount_fen": 100,
            "origin_region_code": "500236",
        },
        ADMIN,
    ),
    ("GET", "/api/v1/targets/progress"): (None, OFFICERS_SCOPED),
    ("GET", "/api/v1/targets/<int:target_id>"): (None, IN_REGION),
    ("PATCH", "/api/v1/targets/<int:target_id>"): ({"amount_fen": 200}, ADMIN),
    ("DELETE", "/api/v1/targets/<int:target_id>"): (None, ADMIN),
    ("GET", "/api/v1/targets/<int:target_id>/progress"): (None, IN_REGION),
    ("GET", "/api/v1/tallies"): ("?group_by=channel", OFFICERS_SCOPED),
    ("GET", "/api/v1/tallies/export"): ("?group_by=channel", OFFICERS_SCOPED),
    ("GET", "/api/v1/reports/ledger"): ("?month=2026-10&format=csv&region_code=500236", REGION_403),
    ("POST", "/api/v1/reports/ledger"): (
        {"month": "2026-10", "format": "csv", "region_code": "500236"},
        REGION_403,
    ),
    ("GET", "/api/v1/reports/ledger/<int:report_id>"): (None, cells(404, officer=OK, admin=OK)),
    ("GET", "/api/v1/reports/ledger/<int:report_id>/file"): (None, cells(404, officer=OK, admin=OK)),
    # Each caller's own requests: the other officer's list is empty.
    ("GET", "/api/v1/reports/ledger/requests"): (None, OFFICERS_SCOPED),
    ("GET", "/api/v1/alerts"): (None, OFFICERS_SCOPED),
    ("POST", "/api/v1/alerts/<int:alert_id>/resolve"): (None, IN_REGION),
    ("GET", "/api/v1/health"): (None, PUBLIC),
    ("GET", "/api/v1/health/live"): (None, PUBLIC),
}


class World:
    """Tenant A's objects, another tenant's members, and one user per role."""

    def __init__(self, client, make_user, fake_stripe):
        self.client = client
        self.users, self.headers = {}, {"anon": {}}
        for actor in ACTORS[1:]:
            grants = {
                "officer": [("region_officer", "500236"), ("region_officer", "370102")],
                "other_officer": [("region_officer", "110000")],
                "admin": [("admin", None)],
            }.get(actor, [])
            self.users[actor], self.headers[actor] = make_user(*grants, password="correct horse 1")
        self.supplier = SupplierFactory(members=[self.users["supplier"]], region_code="500236")
        SupplierFactory(members=[self.users["other_supplier"]], region_code="530627")
        certified = {
            "certificate_no": "BF-500236-2026-000001",
            "certified_until": china_today() + timedelta(days=300),
        }
        self.product = ProductFactory(supplier=self.supplier, stock=1000, **certified)
        self.agency = self._agency("济南市机关事务服务中心", purchaser="purchaser", approver="approver")
        self._agency("青岛市机关事务服务中心", purchaser="other_purchaser")
        as_supplier = self.headers["supplier"]
        image = client.post(
            f"/api/v1/products/{self.product.id}/images",
            data={"file": (BytesIO(PNG), "photo.png")},
            headers=as_supplier,
            content_type="multipart/form-data",
        )
        assert image.status_code == 201, image.json
        self.image_id, self.image_key = image.json["id"], image.json["url"].rsplit("/", 1)[1]
        certification = client.post(
            f"/api/v1/products/{self.product.id}/certification",
            json=MATRIX[("POST", "/api/v1/products/<int:product_id>/certification")][0],
            headers=as_supplier,
        )
        assert certification.status_code == 201, certification.json
        self.certification_id = certification.json["id"]
        order = client.post(
            "/api/v1/orders",
            json=self.body(MATRIX[("POST", "/api/v1/orders")][0]),
            headers=self.headers["buyer"],
        )
        assert order.status_code == 201, order.json
        body, signature = fake_stripe.event(
            "payment_intent.succeeded",
            fake_stripe.succeed(order.json["payment"]["payment_intent_id"]),
            WEBHOOK_SECRET,
        )
        assert (
            client.post(
                "/api/v1/webhooks/stripe", data=body, headers={"Stripe-Signature": signature}
            ).status_code
            == 200
        )
        self.order_id = order.json["id"]
        address = client.post("/api/v1/me/addresses", json=ADDRESS, headers=self.headers["buyer"])
        assert address.status_code == 201, address.json
        self.address_id = address.json["id"]
        self.fulfilment_id = order.json["fulfilments"][0]["id"]
        self.order_line = order.json["lines"][0]["id"]
        # The supplier was told of the paid order.
        told = client.get("/api/v1/me/notifications", headers=self.headers["supplier"])
        self.notification_id = told.json[0]["id"]
        after_sales = client.post(
            f"/api/v1/orders/{self.order_id}/after-sales",
            json={"lines": [{"line_id": self.order_line, "quantity": 1}], "reason": "收到时已损坏"},
            headers=self.headers["buyer"],
        )
        assert after_sales.status_code == 201, after_sales.json
        self.request_id = after_sales.json["id"]
        photo = client.post(
            f"/api/v1/after-sales/{self.request_id}/photos",
            data={"file": (BytesIO(PNG), "damage.png")},
            headers=self.headers["buyer"],
            content_type="multipart/form-data",
        )
        assert photo.status_code == 201, photo.json
        self.photo_id = photo.json["id"]
        fapiao = client.post(
            f"/api/v1/fulfilments/{self.fulfilment_id}/fapiao",
            json={"title": "济南市机关事务服务中心", "tax_id": "12370100MB1234567X"},
            headers=self.headers["buyer"],
        )
        assert fapiao.status_code == 201, fapiao.json
        self.fapiao_id = fapiao.json["id"]
        issued = client.post(
            f"/api/v1/fapiao/{self.fapiao_id}/invoice",
            data={"invoice_no": "26372000000012345678", "file": (BytesIO(INVOICE), "fapiao.pdf")},
            headers=self.headers["supplier"],
            content_type="multipart/form-data",
        )
        assert issued.status_code == 200, issued.json
        self.webhook = fake_stripe.event(
            "payment_intent.succeeded",
            fake_stripe.succeed(order.json["payment"]["payment_intent_id"]),
            WEBHOOK_SECRET,
        )
        po = client.post(
            "/api/v1/purchase-orders",
            json=self.body(MATRIX[("POST", "/api/v1/purchase-orders")][0]),
            headers=self.headers["purchaser"],
        )
        assert po.status_code == 201, po.json
        self.po_id, self.po_line = po.json["id"], po.json["lines"][0]["id"]
        self.invoiced_po_id = None  # made when a path asks for it: six steps no other row needs
        job = ImportJob(
            order_id=self.po_id,
            created_by_id=self.users["purchaser"].id,
            state="succeeded",
            locale="zh-CN",
            rows_done=1,
            rows_total=1,
            lines=1,
        )
        db.session.add(job)
        db.session.commit()
        self.import_job_id = job.id
        filing = client.put(
            f"/api/v1/agencies/{self.agency.id}/filings/{china_today().year}",
            json=MATRIX[("PUT", "/api/v1/agencies/<int:agency_id>/filings/<int:year>")][0],
            headers=self.headers["purchaser"],
        )
        assert filing.status_code in (200, 201), filing.json
        as_admin = self.headers["admin"]
        target = client.post("/api/v1/targets", json=MATRIX[("POST", "/api/v1/targets")][0], headers=as_admin)
        assert target.status_code == 201, target.json
        self.target_id = target.json["id"]
        # An alert of county 500236: its officers' and the admins' to resolve, hidden from others.
        unsold = {"product": self.product.name, "stock": 1000, "unit": "箱", "since": "2026-01-01"}
        alerts.raise_alert("unsold_stock", self.product, "500236", unsold, china_today())
        db.session.commit()
        self.alert_id = db.session.scalar(db.select(Alert.id).where(Alert.subject_id == self.product.id))
        report = client.post(
            "/api/v1/reports/ledger", json=MATRIX[("POST", "/api/v1/reports/ledger")][0], headers=as_admin
        )
        assert report.status_code in (200, 202), report.json
        self.report_id = report.json["id"]
        invitation = client.post(
            f"/api/v1/agencies/{self.agency.id}/members",
            json={"email": self.users["other_buyer"].email, "role": "approver"},
            headers=as_admin,
        )
        assert invitation.status_code == 202, invitation.json
        self.agency_invitation_id = invitation.json["id"]
        invitation = client.post(
            f"/api/v1/suppliers/{self.supplier.id}/members",
            json={"email": "invitee@example.test"},
            headers=as_supplier,
        )
        assert invitation.status_code == 202, invitation.json
        self.supplier_invitation_id = invitation.json["id"]

    def _invoiced_purchase_order(self):
        """A purchase order of agency A's below every approval tier, taken through receipt to supplier
        A's invoice with its e-invoice file."""
        client, created = self.client, MATRIX[("POST", "/api/v1/purchase-orders")][0]
        po = client.post(
            "/api/v1/purchase-orders", json=self.body(created), headers=self.headers["purchaser"]
        )
        order_id, line_id = po.json["id"], po.json["lines"][0]["id"]
        steps = [
            ("submit", "purchaser", {}),
            ("confirm", "supplier", {}),
            ("ship", "supplier", {"carrier": "顺丰", "tracking_no": "SF1234567890"}),
            ("receipts", "purchaser", {"lines": [{"line_id": line_id, "quantity_received": 1}]}),
        ]
        for path, actor, body in steps:
            moved = client.post(
                f"/api/v1/purchase-orders/{order_id}/{path}", json=body, headers=self.headers[actor]
            )
            assert moved.status_code == 200, moved.json
        invoiced = client.post(
            f"/api/v1/purchase-orders/{order_id}/e-invoices",
            data={
                "invoice_no": "37002600001",
                "amount_fen": self.product.price_fen,
                "file": (BytesIO(INVOICE), "fapiao.pdf"),
            },
            headers=self.headers["supplier"],
            content_type="multipart/form-data",
        )
        assert invoiced.status_code == 200, invoiced.json
        return order_id

    def _agency(self, name, purchaser, approver=None):
        agency = Agency(
            name=name,
            kind="government",
            uscc=valid_uscc(division="370102"),
            region_code="370102",
            approval_tiers_fen=[10**9],
        )
        db.session.add(agency)
        db.session.flush()
        db.session.add(AgencyMember(agency_id=agency.id, user_id=self.users[purchaser].id, role="purchaser"))
        if approver:
            db.session.add(
                AgencyMember(agency_id=agency.id, user_id=self.users[approver].id, role="approver")
            )
        db.session.commit()
        return agency

    def values(self):
        return {
            "supplier": self.supplier.id,
            "product": self.product.id,
            "agency": self.agency.id,
            "po_line": getattr(self, "po_line", None),
            "order_line": getattr(self, "order_line", None),
            "address": getattr(self, "address_id", None),
        }

    def body(self, template):
        """A JSON template with "{name}" placeholders filled in (as ints where they are ids)."""
        if isinstance(template, dict):
            return {k: self.body(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.body(v) for v in template]
        if isinstance(template, str) and template.startswith("{") and template.endswith("}"):
            name = template[1:-1]
            if name == "uscc":
                return valid_uscc(division="500237")
            if name == "agency_uscc":
                return valid_uscc(division="370102")
            if name == "other_buyer_email":
                return self.users["other_buyer"].email
            return self.values()[name]
        return template

    def path(self, rule):
        ids = {
            "user_id": self.users["officer"].id,
            "code": "500236",
            "province_code": "500000",
            "product_id": self.product.id,
            "image_id": self.image_id,
            "key": self.image_key,
            "supplier_id": self.supplier.id,
            "certification_id": self.certification_id,
            "order_id": None,
            "fulfilment_id": self.fulfilment_id,
            "agency_id": self.agency.id,
            "year": china_today().year,
            "target_id": self.target_id,
            "report_id": self.report_id,
            "alert_id": self.alert_id,
            "request_id": self.request_id,
            "photo_id": self.photo_id,
            "fapiao_id": self.fapiao_id,
            "notification_id": self.notification_id,
            "address_id": self.address_id,
            "job_id": self.import_job_id,
        }
        ids["order_id"] = self.po_id if "/purchase-orders/" in rule else self.order_id
        if "/e-invoices/" in rule:
            self.invoiced_po_id = self.invoiced_po_id or self._invoiced_purchase_order()
            ids["order_id"] = self.invoiced_po_id
        ids["invitation_id"] = (
            self.supplier_invitation_id if "/suppliers/" in rule else self.agency_invitation_id
        )
        path = rule
        for name, value in ids.items():
            for converter in ("int", "string"):
                path = path.replace(f"<{converter}:{name}>", str(value))
        return path

    def call(self, method, rule, spec, actor):
        path = self.path(rule)
        headers = dict(self.headers[actor])
        if isinstance(spec, str) and spec.startswith("?"):
            return self.client.open(path + spec, method=method, headers=headers)
        if isinstance(spec, str) and spec.startswith("/"):
            return self.client.open(spec, method=method, headers=headers)
        if spec == "file":
            data = {"file": (BytesIO(PNG), "photo.png")}
            return self.client.open(
                path, method=method, headers=headers, data=data, content_type="multipart/form-data"
            )
        if spec == "invoice":
            data = {"invoice_no": "26372000000012345678", "file": (BytesIO(INVOICE), "fapiao.pdf")}
            return self.client.open(
                path, method=method, headers=headers, data=data, content_type="multipart/form-data"
            )
        if spec == "po_invoice":
            data = {
                "invoice_no": "37002600001",
                "amount_fen": "9900",
                "file": (BytesIO(INVOICE), "fapiao.pdf"),
            }
            return self.client.open(
                path, method=method, headers=headers, data=data, content_type="multipart/form-data"
            )
        if spec == "csv":
            data = {"file": (BytesIO(f"product_id,quantity\n{self.product.id},3\n".encode()), "lines.csv")}
            return self.client.open(
                path, method=method, headers=headers, data=data, content_type="multipart/form-data"
            )
        if spec == "webhook":
            body, signature = self.webhook
            return self.client.open(
                path, method=method, headers={**headers, "Stripe-Signature": signature}, data=body
            )
        if spec is None:
            return self.client.open(path, method=method, headers=headers)
        return self.client.open(path, method=method, headers=headers, json=self.body(spec))


def allowed(status):
    return 200 <= status < 300 or status in (409, 422)


def check(world, method, rule, spec, actor, expected):
    response = world.call(method, rule, spec, actor)
    if allowed(response.status_code) if expected == OK else response.status_code == expected:
        return None
    message = (response.get_json(silent=True) or {}).get("message", "")
    return f"{actor}: expected {expected}, got {response.status_code} {message[:100]}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_permission_matrix(endpoint, app, client, make_user, fake_stripe, redis_url):
    """Every refused caller on one world; each permitted caller on a fresh one, so that what one
    changes (a deleted image, a cancelled order) cannot decide another's answer."""
    method, rule = endpoint
    spec, row = MATRIX[endpoint]
    world = World(client, make_user, fake_stripe)
    wrong = [check(world, method, rule, spec, a, row[a]) for a in ACTORS if row[a] != OK]
    for actor in (a for a in ACTORS if row[a] == OK):
        start_afresh(app, redis_url, fake_stripe)
        wrong.append(check(World(client, make_user, fake_stripe), method, rule, spec, actor, OK))
    wrong = [w for w in wrong if w]
    assert not wrong, "\n".join(wrong)


def spend(world):
    """Tenant A's objects past every state their actions start from (a certification past review but
    public, a blacklisted supplier, a cancelled web order and purchase order, a returned filing)."""
    today = china_today()
    certification = db.session.get(Certification, world.certification_id)
    certification.status, certification.certificate_no = "certified", "BF-500236-2026-000099"
    certification.valid_from, certification.valid_until = today, today + timedelta(days=700)
    db.session.get(Supplier, world.supplier.id).status = "blacklisted"
    db.session.get(Order, world.order_id).status = "cancelled"
    db.session.get(PurchaseOrder, world.po_id).status = "cancelled"
    filing = db.session.scalar(db.select(AgencyFiling).where(AgencyFiling.agency_id == world.agency.id))
    filing.status = "returned"
    db.session.commit()


# Endpoints whose permitted callers the spent world answers 409: the state really refuses them.
SPENT = {
    ("POST", "/api/v1/certifications/<int:certification_id>/review"),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/verify"),
    ("POST", "/api/v1/suppliers/<int:supplier_id>/suspend"),
    ("POST", "/api/v1/orders/<int:order_id>/cancel"),
    ("POST", "/api/v1/orders/<int:order_id>/refunds"),
    ("POST", "/api/v1/fulfilments/<int:fulfilment_id>/ship"),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/approve"),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/confirm"),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/invoices"),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/e-invoices"),
    ("POST", "/api/v1/purchase-orders/<int:order_id>/payments"),
    ("POST", "/api/v1/agencies/<int:agency_id>/filings/<int:year>/return"),
}
CHANGES = sorted(e for e in MATRIX if e[0] in ("POST", "PUT", "PATCH", "DELETE") and "/auth/" not in e[1])


@pytest.mark.parametrize("endpoint", CHANGES, ids=lambda e: f"{e[0]} {e[1]}")
def test_role_before_state(endpoint, client, make_user, fake_stripe):
    """With every object past the state its action needs, a caller the matrix refuses is still
    refused (403 or 404, 401 signed out), never told about the state (409) or the body (422)."""
    method, rule = endpoint
    spec, row = MATRIX[endpoint]
    world = World(client, make_user, fake_stripe)
    spend(world)
    refused = [a for a in ACTORS if row[a] in (401, 403, 404)]
    answers = {a: world.call(method, rule, spec, a).status_code for a in refused}
    wrong = {a: s for a, s in answers.items() if s not in ((401,) if row[a] == 401 else (403, 404))}
    assert not wrong, f"told the refused about the state: {wrong}"
    if endpoint in SPENT:
        permitted = [world.call(method, rule, spec, a).status_code for a in ACTORS if row[a] == OK]
        assert 409 in permitted, f"the world is not spent for {endpoint}: {permitted}"


def test_every_endpoint_has_a_row(app):
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - set(MATRIX) == set(), "endpoints without a row in the permission matrix"
    assert set(MATRIX) - served == set(), "rows for endpoints the app no longer serves"
