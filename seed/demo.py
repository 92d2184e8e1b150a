"""Demo data for the embedded default: suppliers and products in the seeds' counties, certificates
in every state, and demo accounts for each role. Idempotent; never under the production config."""

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import RoleGrant, User
from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.audit import services as audit
from marketplace.catalog.models import Product, ProductSearchTerm, TraceBatch
from marketplace.catalog.search import index_terms
from marketplace.certification.models import Certification, CertificationRule, CertificationStatus
from marketplace.certification.rules import rule_in_force
from marketplace.certification.services import advance_certifications
from marketplace.extensions import db
from marketplace.i18n import N_, _
from marketplace.notifications import digest
from marketplace.regions import services as regions
from marketplace.regions.models import Region
from marketplace.seed.demo_catalog import COUNTIES, SURNAMES, VARIANTS
from marketplace.seed.demo_history import load_demo_history
from marketplace.seed.demo_procurement import load_demo_procurement, load_demo_targets
from marketplace.suppliers import uscc
from marketplace.suppliers.models import Supplier, SupplierMember, SupplierStatus
from marketplace.timeutil import china_today, now

# (email, password, display name, role grants, member of the demo supplier of this name)
DEMO_ACCOUNTS: list[tuple[str, str, str, list[tuple[str, str | None]], str | None]] = [
    ("admin@demo.test", "demo-admin-pass", "平台管理员", [("admin", None)], None),
    (
        "fengjie.officer@demo.test",
        "demo-officer-pass",
        "奉节县农业农村委",
        [("region_officer", "500236")],
        None,
    ),
    (
        "chongqing.officer@demo.test",
        "demo-officer-pass",
        "重庆市乡村振兴局",
        [("region_officer", "500000")],
        None,
    ),
    (
        "zhaotong.officer@demo.test",
        "demo-officer-pass",
        "昭通市乡村振兴局",
        [("region_officer", "530600")],
        None,
    ),
    ("supplier@demo.test", "demo-supplier-pass", "刘强", [], "奉节县脐橙专业合作社"),
    ("supplier2@demo.test", "demo-supplier-pass", "陈芳", [], "巫山县脆李专业合作社"),
    ("supplier3@demo.test", "demo-supplier-pass", "向红梅", [], "奉节县夔门柑橘专业合作社"),
    ("supplier4@demo.test", "demo-supplier-pass", "冉光明", [], "奉节县白帝镇果蔬专业合作社"),
    ("buyer@demo.test", "demo-buyer-pass", "王敏", [], None),
    ("purchaser@demo.test", "demo-agency-pass", "机关食堂采购员", [], None),
    ("approver@demo.test", "demo-agency-pass", "机关食堂审批人", [], None),
]


# The certification rules of the provinces the demo's counties lie in: (province, stages, notice days).
# The seeds (../shared/seeds/) name who stands above each county but set no public-notice length,
# so every province keeps the default 7 days.
DEMO_CERTIFICATION_RULES = [
    # 000_e37e082ec6529c91.txt (渝府办〔2018〕23号) and 002_0d11fb7ed90ad6b5.txt (渝府办发〔2021〕149号,
    # "继续开展脱贫地区帮扶重点产品认定") go from the municipality straight to its 区县: no city
    # level, so the county reviews and the municipality approves.
    ("500000", ["county", "province"], 7),
    # 004_10ce8ea790a16c66.txt (东扶贫〔2018〕5号): Dongguan's partner is 云南省昭通市 and its
    # counties, so the county reviews and the prefecture-level city approves.
    ("530000", ["county", "city"], 7),
    # 003_56174073b50e21eb.txt (丽水): the assisted counties are 四川省广元市剑阁县, 巴中市通江县, ...:
    # county, then prefecture-level city.
    ("510000", ["county", "city"], 7),
]

AGENCY_ROLES = {
    "purchaser@demo.test": N_("purchaser at 山东省农业农村厅机关服务中心"),
    "approver@demo.test": N_("approver at 山东省农业农村厅机关服务中心 and its lead unit 山东省农业农村厅"),
}
ROLE_NAMES = {"admin": N_("administrator"), "region_officer": N_("region officer of {region}")}


def load_demo(seed_dir: Path, echo: Callable[[str], None]) -> None:
    counts = regions.load_region_seed(seed_dir / "regions")
    echo(_("Regions: %(counts)s", counts=regions.describe_seed(counts)))
    _demo_certification_rules(echo)

    today = china_today()
    suppliers: dict[str, Supplier] = {}
    added = 0
    with click.progressbar(list(COUNTIES.items()), label=_("Demo suppliers and products")) as bar:
        for county_code, (short, specialties) in bar:
            county = regions.get_region(county_code)
            rule = rule_in_force(county.province_code)
            # Seeded by name, so a re-run makes the same choices and finds everything there.
            names = _supplier_names(county.name, short, specialties, random.Random(county_code), SURNAMES)
            for kind, name in names:
                rng = random.Random(name)
                supplier, created = _supplier(name, kind, county_code, rng, len(suppliers))
                suppliers[name] = supplier
                if not created:
                    continue
                for specialty, category, unit, base in specialties:
                    for suffix, factor in rng.sample(VARIANTS, k=4):
                        product = _product(
                            supplier, f"{short}{specialty} {suffix}", category, unit, base, factor, rng
                        )
                        _demo_certification(product, rule, rng, today)
                        added += 1
            db.session.commit()
    suppliers |= _demo_queue_suppliers()
    count = len(suppliers)
    echo(_("Suppliers: %(suppliers)s; products added this run: %(added)s", suppliers=count, added=added))
    for email, password, name, grants, supplier_name in DEMO_ACCOUNTS:
        _demo_account(email, password, name, grants, suppliers.get(supplier_name) if supplier_name else None)
    db.session.commit()
    load_demo_procurement(echo)
    load_demo_targets(echo)
    load_demo_history(echo)
    _demo_queue(suppliers)  # after the sales history, which it leaves as it was
    _demo_alerts(echo)
    echo(_("Demo accounts (email / password / role):"))
    for email, password, _name, grants, supplier_name in DEMO_ACCOUNTS:
        role = _(", ").join(_(ROLE_NAMES[r]).format(region=_region_named(c)) for r, c in grants)
        if supplier_name is not None:
            role = _("member of %(supplier)s", supplier=supplier_name)
        if email in AGENCY_ROLES:
            role = _(AGENCY_ROLES[email])
        role = role or _("buyer")
        echo(f"  {email:30} {password:20} {role}")


# What waits for 奉节县's officer (fengjie.officer@demo.test) on the 待办审核 page, whatever the
# random demo above chose: a cooperative's two applications at the county stage and a registration.
QUEUE_COOPERATIVE = "奉节县夔门柑橘专业合作社"
QUEUE_REGISTRATION = "奉节县白帝镇果蔬专业合作社"
# (name, category, unit, price fen, net weight g, stock, test report)
QUEUE_PRODUCTS = [
    ("夔门脐橙 5kg 精品果", "fruit.citrus", "箱", 6990, 5000, 300, "渝农检(奉节)字 2026 第 0412 号"),
    ("夔门血橙 2.5kg 家庭装", "fruit.citrus", "箱", 4590, 2500, 150, "渝农检(奉节)字 2026 第 0437 号"),
]


def _demo_queue_suppliers() -> dict[str, Supplier]:
    """The cooperative (verified) and the registration (pending) the county officer's queue holds."""
    made = {}
    for name, status in (
        (QUEUE_COOPERATIVE, SupplierStatus.VERIFIED),
        (QUEUE_REGISTRATION, SupplierStatus.PENDING),
    ):
        supplier, created = _supplier(name, "cooperative", "500236", random.Random(name), 0)
        if created and status == SupplierStatus.PENDING:
            supplier.status, supplier.verified_at = SupplierStatus.PENDING, None
        made[name] = supplier
    db.session.commit()
    return made


def _demo_queue(suppliers: dict[str, Supplier]) -> None:
    """The two suppliers' trail and the cooperative's two applications, made by its member and
    waiting at the county stage; once, so that what an officer decides in the demo stays decided."""
    cooperative, registration = suppliers[QUEUE_COOPERATIVE], suppliers[QUEUE_REGISTRATION]
    if db.session.scalar(select(Product.id).where(Product.supplier_id == cooperative.id)) is not None:
        return
    [registrant_id] = registration.member_user_ids
    audit.record(registration, "register", registrant_id, to_status=SupplierStatus.PENDING)
    [member_id] = cooperative.member_user_ids
    member = db.session.get_one(User, member_id)
    audit.record(cooperative, "register", member_id, to_status=SupplierStatus.PENDING)
    officer = db.session.scalars(select(User).where(User.email == "fengjie.officer@demo.test")).one()
    audit.record(
        cooperative,
        "approve",
        officer.id,
        from_status=SupplierStatus.PENDING,
        to_status=SupplierStatus.VERIFIED,
    )
    rule = rule_in_force("500000")
    for name, category, unit, price, weight, stock, report in QUEUE_PRODUCTS:
        product = Product(
            supplier_id=cooperative.id,
            name=name,
            category_code=category,
            unit=unit,
            price_fen=price,
            net_weight_g=weight,
            stock=stock,
            origin_region_code="500236",
            description=f"{name}，产自奉节县夔门街道海拔 600 米以上果园，{cooperative.name}统一采摘分级。",
        )
        db.session.add(product)
        db.session.flush()
        db.session.add_all(ProductSearchTerm(term=t, product_id=product.id) for t in index_terms(name))
        db.session.add(
            TraceBatch(
                product_id=product.id,
                batch_code=f"KM{product.id:05d}-01",
                produced_on=china_today() - timedelta(days=6),
                quantity=stock,
                test_report_ref=report,
                has_compliance_certificate=True,
            )
        )
        cert = Certification(
            product_id=product.id,
            supplier_id=cooperative.id,
            origin_region_code="500236",
            rule_id=rule.id,
            stages=list(rule.stages),
            notice_days=rule.notice_days,
            commitment={
                "quality": True,
                "price": True,
                "truthfulness": True,
                "signed_by": member.display_name,
                "signed_by_user_id": member.id,
                "signed_at": now().isoformat(),
            },
        )
        db.session.add(cert)
        db.session.flush()
        audit.record(cert, "apply", member.id, to_status=CertificationStatus.APPLIED)
    db.session.commit()


def _demo_alerts(echo: Callable[[str], None]) -> None:
    """The alerts the daily tasks would raise on this data (certificates expiring, targets behind,
    unsold stock, payments unreconciled), raised now rather than at the next 06:30, and this week's
    digest of them sent to the officers rather than next Monday. Idempotent."""
    advance_certifications()
    alerts.raise_daily()
    digest.send_weekly_digests()
    open_alerts = db.session.scalar(select(func.count(Alert.id)).where(Alert.resolved_at.is_(None)))
    echo(_("Alerts: %(count)s open, as the daily tasks raise them", count=open_alerts))


def _supplier_names(
    county_name: str,
    short: str,
    specialties: list[tuple[str, str, str, int]],
    rng: random.Random,
    surnames: str,
) -> list[tuple[str, str]]:
    first = specialties[0][0]
    names = [
        ("cooperative", f"{county_name}{first}专业合作社"),
        ("enterprise", f"{short}{specialties[-1][0]}农业开发有限公司"),
    ]
    if len(specialties) > 2:
        names.append(
            ("family_farm", f"{county_name}{rng.choice(surnames)}氏家庭农场")
            if rng.random() < 0.5
            else ("assistance_workshop", f"{county_name}{first}帮扶车间")
        )
    return names


def _supplier(
    name: str, kind: str, county_code: str, rng: random.Random, index: int
) -> tuple[Supplier, bool]:
    existing = db.session.scalar(select(Supplier).where(Supplier.name == name))
    if existing is not None:
        return existing, False
    org = "".join(rng.choice(uscc.CHARSET) for _ in range(9))
    first17 = ("93" if kind == "cooperative" else "91") + county_code + org
    status = (
        SupplierStatus.PENDING
        if index in (7, 23)
        else SupplierStatus.SUSPENDED
        if index == 31
        else SupplierStatus.VERIFIED
    )
    supplier = Supplier(
        name=name,
        kind=kind,
        uscc=first17 + uscc.check_character(first17),
        region_code=county_code,
        linkage_modes=sorted(
            rng.sample(
                ["wages", "land_or_asset_shares", "guaranteed_price_buying", "processing", "technical_help"],
                k=2,
            )
        ),
        households_linked=rng.randint(20, 900),
        contact_name=f"{rng.choice('王李张刘陈')}{rng.choice('明芳强丽军')}",
        contact_phone=f"13{rng.randint(100000000, 999999999)}",
        status=status,
        status_reason="价格明显高于市场均价，责令整改" if status == SupplierStatus.SUSPENDED else None,
        verified_at=datetime.now(UTC) if status != SupplierStatus.PENDING else None,
    )
    db.session.add(supplier)
    db.session.flush()
    return supplier, True


def _product(
    supplier: Supplier, name: str, category: str, unit: str, base: int, factor: float, rng: random.Random
) -> Product:
    price = max(100, int(base * factor * rng.uniform(0.9, 1.1)) // 10 * 10)
    harvest_soon = category.startswith(("fruit", "vegetables")) and rng.random() < 0.3
    product = Product(
        supplier_id=supplier.id,
        name=name,
        category_code=category,
        unit=unit,
        price_fen=price,
        net_weight_g=int(2500 * factor),  # the variants are priced from a 5-jin (2.5 kg) pack
        stock=rng.choice([0, 20, 80, 150, 300, 600, 1200]),
        origin_region_code=supplier.region_code,
        description=f"{name}，产自{regions.get_region(supplier.region_code).name}，{supplier.name}供货。",
        expected_harvest_quantity=rng.randint(1000, 50000) if harvest_soon else None,
        expected_harvest_on=china_today() + timedelta(days=rng.randint(10, 120)) if harvest_soon else None,
    )
    db.session.add(product)
    db.session.flush()
    db.session.add_all(ProductSearchTerm(term=t, product_id=product.id) for t in index_terms(name))
    db.session.add(
        TraceBatch(
            product_id=product.id,
            batch_code=f"B{product.id:05d}-01",
            produced_on=china_today() - timedelta(days=rng.randint(3, 60)),
            test_report_ref=f"检测报告 No.{rng.randint(10000, 99999)}",
            has_compliance_certificate=True,
        )
    )
    return product


def _region_named(code: str | None) -> str:
    region = db.session.get(Region, code) if code else None
    return f"{code} {region.name}" if region else ""


def _demo_certification_rules(echo: Callable[[str], None]) -> None:
    """Each demo province's rule, unless it has one already."""
    ruled = set(db.session.scalars(select(CertificationRule.province_code)))
    for province_code, stages, notice_days in DEMO_CERTIFICATION_RULES:
        if province_code not in ruled:
            db.session.add(
                CertificationRule(
                    province_code=province_code, stages=stages, notice_days=notice_days, valid_from=now()
                )
            )
    db.session.commit()
    provinces = _(", ").join(_region_named(code) for code, _stages, _days in DEMO_CERTIFICATION_RULES)
    echo(_("Certification rules: %(provinces)s", provinces=provinces))


def _demo_certification(product: Product, rule: CertificationRule, rng: random.Random, today: date) -> None:
    """Most products certified; some expired, some under review or in public notice, some never applied."""
    roll = rng.random()
    if roll < 0.08:
        return
    status = (
        CertificationStatus.EXPIRED
        if roll < 0.15
        else CertificationStatus.APPLIED
        if roll < 0.22
        else CertificationStatus.IN_NOTICE
        if roll < 0.26
        else CertificationStatus.CERTIFIED
    )
    commitment = {"quality": True, "price": True, "truthfulness": True, "signed_by": "法定代表人"}
    cert = Certification(
        product_id=product.id,
        supplier_id=product.supplier_id,
        origin_region_code=product.origin_region_code,
        status=status,
        rule_id=rule.id,
        stages=list(rule.stages),
        notice_days=rule.notice_days,
        commitment=commitment,
    )
    if status == CertificationStatus.CERTIFIED:
        cert.valid_from = today - timedelta(days=rng.randint(20, 700))
    elif status == CertificationStatus.EXPIRED:
        cert.valid_from = today - timedelta(days=rng.randint(740, 900))
    elif status == CertificationStatus.IN_NOTICE:
        cert.valid_from = cert.notice_ends_on = today + timedelta(days=rng.randint(1, rule.notice_days))
        cert.stage_index = 1
    if cert.valid_from:
        cert.valid_until = cert.valid_from + timedelta(days=730)
    db.session.add(cert)
    db.session.flush()
    if cert.valid_from:
        county = product.origin_region_code
        approved_on = cert.valid_from - timedelta(days=rule.notice_days)
        cert.certificate_no = f"BF-{county}-{approved_on.year}-{cert.id:06d}"
    if status == CertificationStatus.CERTIFIED:
        product.certificate_no, product.certified_until = cert.certificate_no, cert.valid_until


def _demo_account(
    email: str, password: str, name: str, grants: list[tuple[str, str | None]], supplier: Supplier | None
) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_verified_user(email, password, name)
    elif user.email_verified_at is None:
        # Loaded by an earlier version, before addresses were verified.
        user.email_verified_at = now()
    for role, region_code in grants:
        if not any(g.role == role and g.region_code == region_code for g in user.role_grants):
            user.role_grants.append(RoleGrant(role=role, region_code=region_code))
    if supplier is not None and user.id not in supplier.member_user_ids:
        supplier.members.append(SupplierMember(user_id=user.id))
