"""Test data: a factory_boy factory for every model (tests/test_factories.py fails for a model
without one), over the app's session, and valid credit codes.

A factory flushes what it makes: the row is checked by the database (its CHECKs and foreign keys)
and goes with the test's session unless the test commits it. Suppliers and products commit: the
tests that use them call the API, whose requests end the session's transaction either way.

A related row the model maps no relationship to is made by a parameter (`user`, `order`, ...) and
named by its id, so `OrderFactory(buyer=some_user)` reads like the relationship would."""

import itertools
import random
from datetime import date, timedelta

import factory
from argon2 import PasswordHasher

from marketplace.accounts.models import Address, RoleGrant, SignInAddress, User
from marketplace.aftersales.models import AfterSalesPhoto, AfterSalesRequest, FapiaoRequest
from marketplace.agencies.models import Agency, AgencyFiling, AgencyMember
from marketplace.alerts.models import Alert
from marketplace.audit.models import AuditEvent
from marketplace.cart.models import CartItem
from marketplace.catalog.models import Category, Product, ProductImage, ProductSearchTerm, TraceBatch
from marketplace.catalog.search import index_terms
from marketplace.certification.models import Certification, CertificationApproval, CertificationRule
from marketplace.extensions import db
from marketplace.idempotency import IdempotencyRecord
from marketplace.invitations.models import Invitation
from marketplace.ledger.models import LedgerEntry, LedgerMonthly, LedgerReport, Target
from marketplace.notifications.models import Notification, NotificationSettings, SmsDelivery, SmsStatus
from marketplace.orders.models import Fulfilment, Order, OrderLine
from marketplace.outbox.models import OutboxMessage
from marketplace.payments.models import Payment, Refund, WebhookEvent
from marketplace.procurement.models import (
    Approval,
    BankPayment,
    ImportJob,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierPart,
)
from marketplace.regions.models import Pairing, ReferenceVersion, Region
from marketplace.suppliers import uscc
from marketplace.suppliers.models import Supplier, SupplierMember
from marketplace.timeutil import china_today, now

_serial = itertools.count(1)
PASSWORD = "correct horse 1"
# Cheap to make; verified by its own parameters whatever the app's hasher is set to.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD)


def valid_uscc(rng: random.Random | None = None, division: str = "500236") -> str:
    rng = rng or random.Random(next(_serial))
    org = "".join(rng.choice(uscc.CHARSET) for _ in range(9))
    first17 = "93" + division + org  # 9: registered by the agriculture administration; 3: cooperative
    return first17 + uscc.check_character(first17)


class Factory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


# Reference data: the tests keep these tables between tests, so a test must not commit new rows.


class RegionFactory(Factory):
    """A province of its own (codes from 800000, which no real province has)."""

    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"{800000 + n}")
    name = factory.Sequence(lambda n: f"测试省{n}")
    level = "province"
    province_code = factory.SelfAttribute("code")


class PairingFactory(Factory):
    class Meta:
        model = Pairing

    helper = factory.SubFactory(RegionFactory)
    assisted = factory.SubFactory(RegionFactory)
    role = "lead"
    since = 2021
    source = "东西部协作结对关系（测试）"


class CategoryFactory(Factory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"fruit.test{n}")
    name = factory.Sequence(lambda n: f"测试水果{n}")
    parent_code = "fruit"


class ReferenceVersionFactory(Factory):
    """The one row there is (a CHECK keeps it one): got, not made."""

    class Meta:
        model = ReferenceVersion
        sqlalchemy_get_or_create = ("id",)

    id = 1


# Accounts and the audit trail


class UserFactory(Factory):
    """A verified user who signs in with PASSWORD."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    password_hash = PASSWORD_HASH
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email_verified_at = factory.LazyFunction(now)


class RoleGrantFactory(Factory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = "region_officer"
    region_code = "500236"


class SignInAddressFactory(Factory):
    class Meta:
        model = SignInAddress

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    address_digest = factory.Sequence(lambda n: f"{n:064x}")


class AuditEventFactory(Factory):
    class Meta:
        model = AuditEvent

    subject_type = "order"
    subject_id = factory.Sequence(lambda n: n + 1)
    action = "create"
    to_status = "pending_payment"


class IdempotencyRecordFactory(Factory):
    class Meta:
        model = IdempotencyRecord

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64


class OutboxMessageFactory(Factory):
    class Meta:
        model = OutboxMessage

    task_name = "mail.send"
    args = factory.LazyFunction(list)


# Suppliers and the catalog


class SupplierFactory(Factory):
    class Meta:
        model = Supplier
        sqlalchemy_session_persistence = "commit"  # for the API's requests (the module's docstring)

    name = factory.Sequence(lambda n: f"奉节县第{n}脐橙专业合作社")
    kind = "cooperative"
    uscc = factory.LazyFunction(valid_uscc)
    region_code = "500236"
    linkage_modes = ["guaranteed_price_buying"]
    households_linked = 120
    contact_name = "王明"
    contact_phone = "13800000000"
    status = "verified"

    @factory.post_generation
    def members(self, create, users, **kwargs):
        for user in users or []:
            self.members.append(SupplierMember(user_id=user.id))
        if create and users:
            db.session.commit()


class SupplierMemberFactory(Factory):
    class Meta:
        model = SupplierMember

    class Params:
        user = factory.SubFactory(UserFactory)

    supplier = factory.SubFactory(SupplierFactory)
    user_id = factory.SelfAttribute("user.id")


class ProductFactory(Factory):
    class Meta:
        model = Product
        sqlalchemy_session_persistence = "commit"  # for the API's requests (the module's docstring)

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"奉节脐橙{n}号 5kg")
    category_code = "fruit.citrus"
    unit = "箱"
    price_fen = 8800
    stock = 100
    origin_region_code = factory.SelfAttribute("supplier.region_code")
    description = "奉节县高山脐橙，当季采摘"

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            db.session.add_all(ProductSearchTerm(term=t, product_id=self.id) for t in index_terms(self.name))
            db.session.commit()


class ProductImageFactory(Factory):
    class Meta:
        model = ProductImage

    class Params:
        product = factory.SubFactory(ProductFactory)

    product_id = factory.SelfAttribute("product.id")
    key = factory.Sequence(lambda n: f"products/test-{n}.jpg")
    content_type = "image/jpeg"
    size_bytes = 48_000


class TraceBatchFactory(Factory):
    class Meta:
        model = TraceBatch

    class Params:
        product = factory.SubFactory(ProductFactory)

    product_id = factory.SelfAttribute("product.id")
    batch_code = factory.Sequence(lambda n: f"FJ-2026-{n:04d}")
    produced_on = factory.LazyFunction(lambda: china_today() - timedelta(days=10))
    quantity = 500
    has_compliance_certificate = True


class ProductSearchTermFactory(Factory):
    """A term beside the ones ProductFactory indexes from the name (Latin, so none of those)."""

    class Meta:
        model = ProductSearchTerm

    class Params:
        product = factory.SubFactory(ProductFactory)

    term = factory.Sequence(lambda n: f"t{n}")
    product_id = factory.SelfAttribute("product.id")


# Certification


class CertificationRuleFactory(Factory):
    class Meta:
        model = CertificationRule

    province_code = "500000"
    stages = factory.LazyFunction(lambda: ["county", "city"])
    notice_days = 7
    valid_from = factory.LazyFunction(now)


class CertificationFactory(Factory):
    """An application at its first stage."""

    class Meta:
        model = Certification

    product = factory.SubFactory(ProductFactory)
    supplier_id = factory.SelfAttribute("product.supplier_id")
    origin_region_code = factory.SelfAttribute("product.origin_region_code")
    stages = factory.LazyFunction(lambda: ["county"])
    notice_days = 7
    commitment = factory.LazyFunction(
        lambda: {"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"}
    )


class CertificationApprovalFactory(Factory):
    class Meta:
        model = CertificationApproval

    class Params:
        certification = factory.SubFactory(CertificationFactory)
        approver = factory.SubFactory(UserFactory)

    certification_id = factory.SelfAttribute("certification.id")
    stage = "county"
    approver_id = factory.SelfAttribute("approver.id")


# Agencies and invitations


class AgencyFactory(Factory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"山东省第{n}机关服务中心")
    kind = "government"
    uscc = factory.LazyFunction(lambda: valid_uscc(division="370102"))
    region_code = "370102"


class AgencyMemberFactory(Factory):
    class Meta:
        model = AgencyMember

    class Params:
        user = factory.SubFactory(UserFactory)

    agency = factory.SubFactory(AgencyFactory)
    user_id = factory.SelfAttribute("user.id")
    role = "purchaser"


class AgencyFilingFactory(Factory):
    """This year's filing: ¥1,000,000 of canteen food, 10% of it reserved for assisted areas."""

    class Meta:
        model = AgencyFiling

    class Params:
        agency = factory.SubFactory(AgencyFactory)

    agency_id = factory.SelfAttribute("agency.id")
    year = factory.LazyFunction(lambda: china_today().year)
    food_budget_fen = 1_000_000_00
    reserved_share_bp = 1000


class InvitationFactory(Factory):
    """A pending invitation to a supplier's membership."""

    class Meta:
        model = Invitation

    class Params:
        supplier = factory.SubFactory(SupplierFactory)
        invited_by = factory.SubFactory(UserFactory)

    kind = "supplier_member"
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    supplier_id = factory.SelfAttribute("supplier.id")
    invited_by_id = factory.SelfAttribute("invited_by.id")
    expires_at = factory.LazyFunction(lambda: now() + timedelta(days=7))


# Orders and their payments


class OrderFactory(Factory):
    """An order awaiting payment, without lines (OrderLineFactory adds them)."""

    class Meta:
        model = Order

    class Params:
        buyer = factory.SubFactory(UserFactory)

    buyer_id = factory.SelfAttribute("buyer.id")
    total_fen = 6990
    payment_method = "alipay"
    shipping_region_code = "370102"
    shipping_detail = "济南市历下区泉城路 1 号"
    shipping_recipient = "张伟"
    shipping_phone = "13900001111"
    reserved_until = factory.LazyFunction(lambda: now() + timedelta(minutes=15))


class FulfilmentFactory(Factory):
    class Meta:
        model = Fulfilment

    class Params:
        supplier = factory.SubFactory(SupplierFactory)

    order = factory.SubFactory(OrderFactory)
    supplier_id = factory.SelfAttribute("supplier.id")


class OrderLineFactory(Factory):
    """One of a product, in its supplier's fulfilment."""

    class Meta:
        model = OrderLine

    product = factory.SubFactory(ProductFactory)
    fulfilment = factory.SubFactory(FulfilmentFactory, supplier=factory.SelfAttribute("..product.supplier"))
    order = factory.SelfAttribute("fulfilment.order")
    supplier_id = factory.SelfAttribute("product.supplier_id")
    product_name = factory.SelfAttribute("product.name")
    unit = factory.SelfAttribute("product.unit")
    unit_price_fen = factory.SelfAttribute("product.price_fen")
    quantity = 1
    line_total_fen = factory.LazyAttribute(lambda line: line.unit_price_fen * line.quantity)


class PaymentFactory(Factory):
    """A Stripe payment of the whole order, awaiting the buyer."""

    class Meta:
        model = Payment

    class Params:
        order = factory.SubFactory(OrderFactory)

    order_id = factory.SelfAttribute("order.id")
    provider = "stripe"
    provider_ref = factory.Sequence(lambda n: f"pi_test_{n}")
    method = factory.SelfAttribute("order.payment_method")
    amount_fen = factory.SelfAttribute("order.total_fen")
    currency = "CNY"


class RefundFactory(Factory):
    class Meta:
        model = Refund

    class Params:
        payment = factory.SubFactory(PaymentFactory)

    payment_id = factory.SelfAttribute("payment.id")
    order_id = factory.SelfAttribute("payment.order_id")
    amount_fen = 1000


class WebhookEventFactory(Factory):
    class Meta:
        model = WebhookEvent

    provider = "stripe"
    event_id = factory.Sequence(lambda n: f"evt_test_{n}")
    event_type = "payment_intent.succeeded"
    object_id = factory.Sequence(lambda n: f"pi_test_{n}")
    payload = factory.LazyFunction(dict)


# The buyer's address book and cart


class AddressFactory(Factory):
    """A buyer's default address in 济南市历下区 (each factory-made buyer has one of their own)."""

    class Meta:
        model = Address

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    region_code = "370102"
    detail = "泉城路 1 号"
    recipient = "张伟"
    phone = "13900001111"
    is_default = True


class CartItemFactory(Factory):
    class Meta:
        model = CartItem

    class Params:
        user = factory.SubFactory(UserFactory)
        product = factory.SubFactory(ProductFactory)

    user_id = factory.SelfAttribute("user.id")
    product_id = factory.SelfAttribute("product.id")
    quantity = 2


# After-sales


class AfterSalesRequestFactory(Factory):
    """The buyer of a paid line asks for it back from the line's supplier."""

    class Meta:
        model = AfterSalesRequest

    class Params:
        line = factory.SubFactory(OrderLineFactory)

    order_id = factory.SelfAttribute("line.order_id")
    supplier_id = factory.SelfAttribute("line.supplier_id")
    buyer_id = factory.SelfAttribute("line.order.buyer_id")
    lines = factory.LazyAttribute(lambda r: {str(r.line.id): 1})
    amount_fen = factory.SelfAttribute("line.unit_price_fen")
    reason = "收到时已损坏"


class AfterSalesPhotoFactory(Factory):
    class Meta:
        model = AfterSalesPhoto

    class Params:
        request = factory.SubFactory(AfterSalesRequestFactory)

    request_id = factory.SelfAttribute("request.id")
    key = factory.Sequence(lambda n: f"{n:032x}.png")
    content_type = "image/png"
    size_bytes = 208


class FapiaoRequestFactory(Factory):
    """A person's fapiao for one supplier's part of an order."""

    class Meta:
        model = FapiaoRequest

    class Params:
        fulfilment = factory.SubFactory(FulfilmentFactory)

    fulfilment_id = factory.SelfAttribute("fulfilment.id")
    order_id = factory.SelfAttribute("fulfilment.order_id")
    supplier_id = factory.SelfAttribute("fulfilment.supplier_id")
    buyer_id = factory.SelfAttribute("fulfilment.order.buyer_id")
    title = "张伟"


# Notifications


class NotificationFactory(Factory):
    """A buyer told their parcel shipped."""

    class Meta:
        model = Notification

    class Params:
        order = factory.SubFactory(OrderFactory)

    user_id = factory.SelfAttribute("order.buyer_id")
    kind = "parcel_shipped"
    subject_type = "orders"
    subject_id = factory.SelfAttribute("order.id")
    params = factory.LazyAttribute(
        lambda n: {
            "order_id": n.order.id,
            "supplier": "奉节县脐橙合作社",
            "carrier": "顺丰",
            "tracking_no": "SF1",
        }
    )
    event_key = factory.Sequence(lambda n: f"fulfilment:{n}:shipped")


class NotificationSettingsFactory(Factory):
    class Meta:
        model = NotificationSettings

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    email = False


class SmsDeliveryFactory(Factory):
    """A shipped-parcel notification texted to its buyer."""

    class Meta:
        model = SmsDelivery

    class Params:
        notification = factory.SubFactory(NotificationFactory)

    notification_id = factory.SelfAttribute("notification.id")
    status = SmsStatus.SENT
    mobile = "13800138000"
    receipt = factory.Sequence(lambda n: f"biz-{n:06d}")
    sent_at = factory.LazyFunction(now)


# Procurement


class PurchaseOrderFactory(Factory):
    """A draft, without lines (PurchaseOrderLineFactory adds them)."""

    class Meta:
        model = PurchaseOrder

    class Params:
        agency = factory.SubFactory(AgencyFactory)
        created_by = factory.SubFactory(UserFactory)

    agency_id = factory.SelfAttribute("agency.id")
    created_by_id = factory.SelfAttribute("created_by.id")
    delivery_address = "济南市历下区解放路 100 号 食堂"


class PurchaseOrderLineFactory(Factory):
    class Meta:
        model = PurchaseOrderLine

    class Params:
        product = factory.SubFactory(ProductFactory)

    order = factory.SubFactory(PurchaseOrderFactory)
    product_id = factory.SelfAttribute("product.id")
    supplier_id = factory.SelfAttribute("product.supplier_id")
    product_name = factory.SelfAttribute("product.name")
    unit_price_fen = factory.SelfAttribute("product.price_fen")
    quantity = 10


class SupplierPartFactory(Factory):
    class Meta:
        model = SupplierPart

    class Params:
        order = factory.SubFactory(PurchaseOrderFactory)
        supplier = factory.SubFactory(SupplierFactory)

    order_id = factory.SelfAttribute("order.id")
    supplier_id = factory.SelfAttribute("supplier.id")


class ApprovalFactory(Factory):
    class Meta:
        model = Approval

    class Params:
        order = factory.SubFactory(PurchaseOrderFactory)
        approver = factory.SubFactory(UserFactory)

    order_id = factory.SelfAttribute("order.id")
    approver_id = factory.SelfAttribute("approver.id")
    tier = 1


class BankPaymentFactory(Factory):
    class Meta:
        model = BankPayment

    class Params:
        order = factory.SubFactory(PurchaseOrderFactory)
        recorded_by = factory.SubFactory(UserFactory)

    order_id = factory.SelfAttribute("order.id")
    amount_fen = 88_000
    reference = factory.Sequence(lambda n: f"BANK-2026-{n:06d}")
    recorded_by_id = factory.SelfAttribute("recorded_by.id")


class ImportJobFactory(Factory):
    """An upload of lines waiting for its task, the file still with it."""

    class Meta:
        model = ImportJob

    class Params:
        order = factory.SubFactory(PurchaseOrderFactory)
        created_by = factory.SubFactory(UserFactory)

    order_id = factory.SelfAttribute("order.id")
    created_by_id = factory.SelfAttribute("created_by.id")
    locale = "zh-CN"
    data = b"PK\x03\x04"


# The ledger and alerts


class LedgerEntryFactory(Factory):
    """A web sale of one product to Jinan, today. Written around `ledger.record`: the monthly rollup
    does not know of it, so it is for tests that read entries, not for the rollup's."""

    class Meta:
        model = LedgerEntry

    class Params:
        product = factory.SubFactory(ProductFactory)

    source_key = factory.Sequence(lambda n: f"test:{n}")
    sale_date = factory.LazyFunction(china_today)
    quantity = 1
    amount_fen = factory.SelfAttribute("product.price_fen")
    product_id = factory.SelfAttribute("product.id")
    category_code = factory.SelfAttribute("product.category_code")
    supplier_id = factory.SelfAttribute("product.supplier_id")
    origin_county_code = factory.SelfAttribute("product.origin_region_code")
    origin_city_code = factory.SelfAttribute("product.origin.city_code")
    origin_province_code = factory.SelfAttribute("product.origin.province_code")
    buyer_region_code = "370102"
    buyer_city_code = "370100"
    buyer_province_code = "370000"
    delivery_region_code = "370102"
    channel = "web"
    mechanism = "east_west"
    paired_purchase = True


class LedgerMonthlyFactory(Factory):
    """A month's certified web sales of Fengjie's citrus to Shandong: one month after another from
    January 2020, so each row has a slice of its own."""

    class Meta:
        model = LedgerMonthly

    month = factory.Sequence(lambda n: date(2020 + n // 12, n % 12 + 1, 1))
    origin_county_code = "500236"
    category_code = "fruit.citrus"
    channel = "web"
    mechanism = "east_west"
    certified = True
    buyer_province_code = "370000"
    origin_city_code = ""  # Chongqing's counties have no city
    origin_province_code = "500000"
    amount_fen = 6990
    quantity = 1
    weight_g = 5000
    entries = 1


class TargetFactory(Factory):
    """This year's ¥30,000,000 of Chongqing's products sold to Shandong."""

    class Meta:
        model = Target

    name = factory.Sequence(lambda n: f"重庆农产品销往山东 3000 万元（{n}）")
    period_start = factory.LazyFunction(lambda: date(china_today().year, 1, 1))
    period_end = factory.LazyFunction(lambda: date(china_today().year + 1, 1, 1))
    amount_fen = 30_000_000_00
    buyer_region_code = "370000"
    origin_region_code = "500000"
    channels = factory.LazyFunction(list)


class LedgerReportFactory(Factory):
    class Meta:
        model = LedgerReport

    month = factory.LazyFunction(lambda: f"{china_today().year - 1}-10")
    format = "xlsx"


class AlertFactory(Factory):
    """A certificate expiring within the notice days, for Fengjie's officers."""

    class Meta:
        model = Alert

    kind = "certificate_expiring"
    subject_type = "certification"
    subject_id = factory.Sequence(lambda n: n + 1)
    region_code = "500236"
    due_on = factory.LazyFunction(lambda: china_today() + timedelta(days=7))
