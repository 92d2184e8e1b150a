"""Demo agencies in the helping regions, this year's filings, and purchase orders in several states,
made through the same services the API uses."""

import random
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.agencies.models import Agency, AgencyFiling, AgencyMember
from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.i18n import _, wan_yuan
from marketplace.procurement import services as procurement
from marketplace.procurement.models import PurchaseOrderStatus
from marketplace.suppliers import uscc
from marketplace.suppliers.models import Supplier
from marketplace.timeutil import china_today

# (name, kind, region, lead unit's name or None, food budget fen, share bp; union: gift budget fen)
AGENCIES = [
    ("山东省农业农村厅", "government", "370102", None, 3_000_000_00, 1500),
    ("山东省农业农村厅机关服务中心", "government", "370102", "山东省农业农村厅", 8_000_000_00, 1500),
    ("山东省农业科学院", "government", "370102", "山东省农业农村厅", 5_000_000_00, 1200),
    ("山东省实验中学", "school", "370102", None, 6_000_000_00, 1000),
    ("山东省立医院", "hospital", "370103", None, 12_000_000_00, 1000),
    ("山东省农业农村厅工会", "union", "370102", None, 2_000_000_00, 3000),
    ("滨州市机关事务服务中心", "government", "371602", None, 4_000_000_00, 2000),
    ("滨州市第一中学", "school", "371602", "滨州市机关事务服务中心", 3_000_000_00, 1000),
    ("滨州医学院附属医院", "hospital", "371602", None, 7_000_000_00, 1000),
    ("滨州市总工会", "union", "371602", None, 1_500_000_00, 3000),
    ("东莞市机关事务管理局", "government", "441900", None, 5_000_000_00, 1500),
    ("东莞中学", "school", "441900", "东莞市机关事务管理局", 3_500_000_00, 1000),
    ("东莞市人民医院", "hospital", "441900", None, 9_000_000_00, 1000),
    ("东莞市总工会", "union", "441900", None, 3_000_000_00, 3000),
]
DESK = "山东省农业农村厅机关服务中心"
# The seeds' targets in money: Chongqing's sales to Shandong a year, the hall's over 2021-2025.
SHANDONG_YEARLY_FEN = 30_000_000_00
HALL_FEN = 3_000_000_000_00


def load_demo_procurement(echo: Callable[[str], None]) -> None:
    if db.session.scalar(select(Agency.id).where(Agency.name == DESK)) is not None:
        echo(_("Agencies: already loaded"))
        return
    rng = random.Random("agencies")
    year = china_today().year
    by_name: dict[str, Agency] = {}
    for name, kind, region, lead, budget, share in AGENCIES:
        first17 = (
            ("81" if kind == "union" else "12") + region + "".join(rng.choice("0123456789") for _ in range(9))
        )
        agency = Agency(
            name=name,
            kind=kind,
            uscc=first17 + uscc.check_character(first17),
            region_code=region,
            parent_id=by_name[lead].id if lead else None,
            approval_tiers_fen=[10_000_00, 500_000_00],
        )
        db.session.add(agency)
        db.session.flush()
        by_name[name] = agency
        if kind == "union":
            filing = AgencyFiling(
                agency_id=agency.id,
                year=year,
                exemption="no_canteen",
                exemption_note="工会无食堂",
                gift_budget_fen=budget,
                gift_share_bp=share,
            )
        else:
            filing = AgencyFiling(
                agency_id=agency.id, year=year, food_budget_fen=budget, reserved_share_bp=share
            )
        db.session.add(filing)
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%@demo.test")))}
    desk = by_name[DESK]
    for email, role in (("purchaser@demo.test", "purchaser"), ("approver@demo.test", "approver")):
        db.session.add(AgencyMember(agency_id=desk.id, user_id=users[email].id, role=role))
    db.session.add(
        AgencyMember(
            agency_id=by_name["山东省农业农村厅"].id, user_id=users["approver@demo.test"].id, role="approver"
        )
    )
    db.session.commit()
    _demo_orders(desk, users)
    echo(
        _(
            "Agencies: %(count)s in Shandong, Binzhou and Dongguan, with %(year)s filings; purchase orders "
            "drafted, awaiting approval and paid",
            count=len(AGENCIES),
            year=year,
        )
    )


def _demo_orders(desk: Agency, users: dict[str, User]) -> None:
    purchaser, approver = users["purchaser@demo.test"], users["approver@demo.test"]
    supplier_user, admin = users["supplier@demo.test"], users["admin@demo.test"]
    cooperative = db.session.scalars(select(Supplier).where(Supplier.name == "奉节县脐橙专业合作社")).one()
    products = [
        p
        for p in db.session.scalars(
            select(Product).where(Product.supplier_id == cooperative.id).order_by(Product.id)
        )
        if p.stock >= 150
    ]

    def lines(n: int, base: int = 10) -> list[procurement.LineWanted]:
        return [{"product_id": p.id, "quantity": base + 5 * i} for i, p in enumerate(products[:n])]

    procurement.create_purchase_order(purchaser, desk.id, lines(2), "济南市历下区解放路 机关食堂", None)
    waiting = procurement.create_purchase_order(
        purchaser, desk.id, lines(3, base=120), "济南市历下区解放路 机关食堂", None
    )
    procurement.submit(purchaser, waiting.id)
    paid = procurement.create_purchase_order(
        purchaser, desk.id, lines(2), "济南市历下区解放路 机关食堂", None
    )
    procurement.submit(purchaser, paid.id)
    if paid.status == PurchaseOrderStatus.SUBMITTED:
        procurement.approve(approver, paid.id, "同意采购")
    procurement.confirm(supplier_user, paid.id, [])
    procurement.ship(supplier_user, paid.id, "中国邮政", "EMS9001234567")
    procurement.receive(
        purchaser, paid.id, [{"line_id": line.id, "quantity_received": line.quantity} for line in paid.lines]
    )
    due = sum(line.unit_price_fen * line.quantity for line in paid.lines)
    procurement.invoice(supplier_user, paid.id, "37002600000001", due)
    procurement.record_payment(admin, paid.id, due, f"DEMO-ICBC-{paid.id:06d}")
    _invoiced_unpaid(desk, purchaser, approver, supplier_user, lines(2, base=20))


def _invoiced_unpaid(
    desk: Agency, purchaser: User, approver: User, supplier_user: User, lines: list[procurement.LineWanted]
) -> None:
    """A purchase order invoiced UNPAID_INVOICE_AFTER_DAYS and more ago whose bank transfer has not
    been recorded: what the daily task tells admins to chase (an unreconciled payment)."""
    order = procurement.create_purchase_order(purchaser, desk.id, lines, "济南市历下区解放路 机关食堂", None)
    procurement.submit(purchaser, order.id)
    if order.status == PurchaseOrderStatus.SUBMITTED:
        procurement.approve(approver, order.id, "同意采购")
    procurement.confirm(supplier_user, order.id, [])
    procurement.ship(supplier_user, order.id, "中国邮政", "EMS9001234568")
    procurement.receive(
        purchaser,
        order.id,
        [{"line_id": line.id, "quantity_received": line.quantity} for line in order.lines],
    )
    due = sum(line.unit_price_fen * line.quantity for line in order.lines)
    procurement.invoice(supplier_user, order.id, "37002600000002", due)
    # Its story happened weeks ago: every step of its trail moves back by as many days.
    ago = timedelta(days=current_app.config["UNPAID_INVOICE_AFTER_DAYS"] + 10)
    for event in audit.history(order.__tablename__, order.id):
        event.at -= ago
    for part in order.parts:
        assert part.invoice_recorded_at is not None, "each part was invoiced above"
        part.invoice_recorded_at -= ago
    db.session.commit()


# 帮扶产品认定 began in 2020: from then on official tallies count certified sales only; the
# years before it counted every sale.
CERTIFIED_ONLY_FROM = 2020


def load_demo_targets(echo: Callable[[str], None]) -> None:
    """The seeds' targets: ¥30,000,000 a year of Chongqing products sold to Shandong (seed 000,
    2018-2020, and the same this year), ten thousand tonnes of Fengjie's navel oranges into Shandong
    a year (seed 001, the same years), and the Chongqing consumption-assistance hall's ¥3 billion
    over 2021-2025 (seed 002). Those from CERTIFIED_ONLY_FROM on count certified sales only."""
    from datetime import date

    from marketplace.ledger.models import Target

    if db.session.scalar(select(Target.id).limit(1)) is not None:
        return
    year = china_today().year
    for y in sorted({2018, 2019, 2020, year}):
        db.session.add(
            Target(
                name=f"{y} 年重庆农产品销往山东 3000 万元",
                period_start=date(y, 1, 1),
                period_end=date(y + 1, 1, 1),
                amount_fen=SHANDONG_YEARLY_FEN,
                buyer_region_code="370000",
                origin_region_code="500000",
                channels=[],
                certified_only=y >= CERTIFIED_ONLY_FROM,
                source="seed 000",
            )
        )
        # Seed 001: Fengjie's plan "万吨脐橙进山东", ten thousand tonnes of navel oranges a year.
        db.session.add(
            Target(
                name=f"{y} 年万吨奉节脐橙进山东",
                period_start=date(y, 1, 1),
                period_end=date(y + 1, 1, 1),
                weight_g=10_000 * 1_000_000,
                category_code="fruit.citrus",
                buyer_region_code="370000",
                origin_region_code="500236",
                channels=[],
                certified_only=y >= CERTIFIED_ONLY_FROM,
                source="seed 001",
            )
        )
    db.session.add(
        Target(
            name="重庆消费帮扶馆 2021—2025 年销售 30 亿元",
            period_start=date(2021, 1, 1),
            period_end=date(2026, 1, 1),
            amount_fen=HALL_FEN,
            origin_region_code="500000",
            channels=["hall"],
            certified_only=True,
            source="seed 002",
        )
    )
    db.session.commit()
    echo(
        _(
            "Targets: Chongqing → Shandong %(yearly)s a year; 10,000 t of Fengjie oranges; "
            "the hall's %(hall)s",
            yearly=wan_yuan(SHANDONG_YEARLY_FEN),
            hall=wan_yuan(HALL_FEN),
        )
    )
