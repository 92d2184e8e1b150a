"""Alerts: raised by a daily task, read by officers (their regions) and admins (all). Each is kept
once per subject and episode, resolved when its cause goes away, and opened again if it returns."""

from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import officer_scope, officiates, scope_condition
from marketplace.agencies.models import Agency
from marketplace.alerts.events import alert_opened
from marketplace.alerts.models import Alert
from marketplace.audit import services as audit
from marketplace.catalog.models import Product
from marketplace.certification.models import Certification
from marketplace.certification.services import EXPIRY_WARNING_DAYS, expiring_by
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.ledger import targets
from marketplace.ledger.models import LedgerEntry, Target
from marketplace.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from marketplace.procurement.models import PurchaseOrder, PurchaseOrderStatus, SupplierPart
from marketplace.procurement.services import invoiced_total
from marketplace.regions.models import Pairing, Region
from marketplace.regions.services import within
from marketplace.suppliers.models import Supplier, SupplierStatus
from marketplace.timeutil import china_today, now

# What an alert is about: the row its subject_type and subject_id name.
AlertSubject = Target | Product | Payment | Refund | PurchaseOrder | Certification | WebhookEvent


def raise_alert(
    kind: str,
    subject: AlertSubject,
    region_code: str | None,
    params: dict[str, Any],
    due_on: date,
    supplier_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Add an alert unless the same one (kind, subject, due date) exists, and open it again if it was
    resolved; its wording's figures (`params`, see alerts.texts) and details are brought up to date.
    Returns whether it is newly open, as it announces (alert_opened, flushed)."""
    alert = db.session.scalar(
        select(Alert).where(
            Alert.kind == kind,
            Alert.subject_type == subject.__tablename__,
            Alert.subject_id == subject.id,
            Alert.due_on == due_on,
        )
    )
    if alert is None:
        alert = Alert(
            kind=kind,
            subject_type=subject.__tablename__,
            subject_id=subject.id,
            region_code=region_code,
            supplier_id=supplier_id,
            params=params,
            due_on=due_on,
            details=details,
        )
        db.session.add(alert)
    elif alert.resolved_by_id is not None:
        return False  # marked handled by hand: not opened again for this episode
    else:
        alert.params, alert.message, alert.details = params, None, details
        if alert.resolved_at is None:
            return False
        alert.resolved_at = None
    db.session.flush()
    alert_opened.send(alert)
    return True


def resolve_others(kind: str, still_open: set[tuple[str, int, date]]) -> int:
    """Resolve this kind's open alerts whose cause has gone (not in `still_open`); by no one, so that
    they open again if it returns."""
    resolved = 0
    for alert in db.session.scalars(select(Alert).where(Alert.kind == kind, Alert.resolved_at.is_(None))):
        if (alert.subject_type, alert.subject_id, alert.due_on) not in still_open:
            alert.resolved_at = now()
            resolved += 1
    return resolved


def targets_behind(today: date) -> dict[str, int]:
    """A target in its period whose progress is behind pace."""
    behind: set[tuple[str, int, date]] = set()
    raised = 0
    for target in db.session.scalars(
        select(Target).where(Target.period_start <= today, Target.period_end > today)
    ):
        p = targets.progress_of(target, today)
        if p["status"] != "behind":
            continue
        unit = "fen" if target.measure == "amount" else "g"
        achieved, expected = p[f"achieved_{unit}"], p[f"expected_by_now_{unit}"]
        raised += raise_alert(
            "target_behind",
            target,
            target.origin_region_code or target.buyer_region_code,
            {
                "name": target.name,
                "unit": unit,
                "achieved": achieved,
                "expected": expected,
                "goal": p[f"target_{unit}"],
                "pace": p["pace"],
                "certified_only": target.certified_only,
            },
            target.period_end,
            details={
                "achieved": achieved,
                "expected_by_now": expected,
                "unit": unit,
                "pace": p["pace"],
                "certified_only": target.certified_only,
            },
        )
        behind.add(("targets", target.id, target.period_end))
    return {"raised": raised, "resolved": resolve_others("target_behind", behind)}


class SuggestedAgency(TypedDict):
    """An agency an unsold-stock alert suggests asking to buy (its details' suggested_agencies)."""

    id: int
    name: str
    region_code: str
    region_name: str


def suggested_agencies(origin: Region, limit: int = 5) -> list[SuggestedAgency]:
    """Agencies in the regions paired to help the origin (or a region above it): who to ask to buy."""
    helpers = list(
        db.session.scalars(
            select(Pairing.helper_region_code).where(Pairing.assisted_region_code.in_(origin.ancestor_codes))
        )
    )
    if not helpers:
        return []
    conditions = [within(Agency.region_code, db.session.get_one(Region, code)) for code in helpers]
    agencies = db.session.execute(
        select(Agency, Region.name)
        .join(Region, Region.code == Agency.region_code)
        .where(or_(*conditions))
        .order_by(Agency.id)
        .limit(limit)
    )
    return [
        SuggestedAgency(id=a.id, name=a.name, region_code=a.region_code, region_name=region_name)
        for a, region_name in agencies
    ]


def unsold_stock(today: date) -> dict[str, int]:
    """滞销: a product on sale with stock, or a harvest due soon, and no sale for UNSOLD_AFTER_DAYS."""
    days = current_app.config["UNSOLD_AFTER_DAYS"]
    harvest_by = today + timedelta(days=current_app.config["UNSOLD_HARVEST_WITHIN_DAYS"])
    last_sale = (
        select(LedgerEntry.product_id, func.max(LedgerEntry.sale_date).label("on"))
        .where(LedgerEntry.amount_fen > 0)
        .group_by(LedgerEntry.product_id)
        .subquery()
    )
    last_sold: ColumnElement[date | None] = last_sale.c.on  # None: never sold
    rows = db.session.execute(
        select(Product, last_sold)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .outerjoin(last_sale, last_sale.c.product_id == Product.id)
        .where(
            Product.is_active.is_(True),
            Supplier.status == SupplierStatus.VERIFIED,
            or_(
                Product.stock > 0,
                Product.expected_harvest_on.between(today, harvest_by),
            ),
        )
    ).all()
    unsold: set[tuple[str, int, date]] = set()
    raised = 0
    suggestions: dict[str, list[SuggestedAgency]] = {}
    for product, last_sold_on in rows:
        listed_on = product.created_at.date()
        quiet_since = max(filter(None, (last_sold_on, listed_on)))
        if (today - quiet_since).days < days:
            continue
        origin = db.session.get_one(Region, product.origin_region_code)
        if origin.code not in suggestions:
            suggestions[origin.code] = suggested_agencies(origin)
        due_on = quiet_since + timedelta(days=days)  # one alert per quiet spell
        raised += raise_alert(
            "unsold_stock",
            product,
            product.origin_region_code,
            {
                "product": product.name,
                "stock": product.stock,
                "unit": product.unit,
                "harvest": product.expected_harvest_quantity,
                "harvest_on": product.expected_harvest_on and product.expected_harvest_on.isoformat(),
                "since": quiet_since.isoformat(),
            },
            due_on,
            supplier_id=product.supplier_id,
            details={
                "stock": product.stock,
                "last_sale_on": last_sold_on.isoformat() if last_sold_on else None,
                "suggested_agencies": suggestions[origin.code],
            },
        )
        unsold.add(("products", product.id, due_on))
    return {"raised": raised, "resolved": resolve_others("unsold_stock", unsold)}


def unreconciled_payments(today: date) -> dict[str, int]:
    """Web payments and refunds still pending after UNRECONCILED_AFTER_HOURS (the hourly
    reconciliation could not settle them), and purchase orders invoiced but unpaid after
    UNPAID_INVOICE_AFTER_DAYS. For admins: no region."""
    config = current_app.config
    cutoff = now() - timedelta(hours=config["UNRECONCILED_AFTER_HOURS"])
    stuck: set[tuple[str, int, date]] = set()
    raised = 0
    for subject in [
        *db.session.scalars(
            select(Payment).where(Payment.status == PaymentStatus.PENDING, Payment.created_at < cutoff)
        ),
        *db.session.scalars(
            select(Refund).where(Refund.status == RefundStatus.PENDING, Refund.created_at < cutoff)
        ),
    ]:
        due_on = subject.created_at.date()
        raised += raise_alert(
            "payment_unreconciled",
            subject,
            None,
            {
                "what": "payment" if isinstance(subject, Payment) else "refund",
                "order_id": subject.order_id,
                "id": subject.id,
                "amount_fen": subject.amount_fen,
                "since": subject.created_at.isoformat(),
            },
            due_on,
            details={"order_id": subject.order_id, "amount_fen": subject.amount_fen},
        )
        stuck.add((subject.__tablename__, subject.id, due_on))
    # Owed from the day its last part was invoiced, when the order became invoiced.
    invoiced_on = (
        select(SupplierPart.order_id, func.max(SupplierPart.invoice_recorded_at).label("at"))
        .group_by(SupplierPart.order_id)
        .subquery()
    )
    # Not None: an invoiced order has an invoiced part (max() passes over its declined parts' NULL).
    last_invoiced: ColumnElement[datetime] = invoiced_on.c.at
    overdue = now() - timedelta(days=config["UNPAID_INVOICE_AFTER_DAYS"])
    for order, at in db.session.execute(
        select(PurchaseOrder, last_invoiced)
        .join(invoiced_on, invoiced_on.c.order_id == PurchaseOrder.id)
        .where(PurchaseOrder.status == PurchaseOrderStatus.INVOICED, last_invoiced < overdue)
    ):
        due_on = at.date()
        raised += raise_alert(
            "payment_unreconciled",
            order,
            None,
            {
                "what": "purchase_order",
                "id": order.id,
                "invoiced_on": due_on.isoformat(),
                "owed_fen": invoiced_total(order) - order.paid_fen,
            },
            due_on,
            details={"purchase_order_id": order.id, "owed_fen": invoiced_total(order) - order.paid_fen},
        )
        stuck.add(("purchase_orders", order.id, due_on))
    return {"raised": raised, "resolved": resolve_others("payment_unreconciled", stuck)}


def certificates_expiring(today: date) -> dict[str, int]:
    """Certificates ending within EXPIRY_WARNING_DAYS raise an alert, resolved once the certificate
    is renewed (its renewal certified), has expired or was revoked."""
    expiring = select(Certification).where(expiring_by(today + timedelta(days=EXPIRY_WARNING_DAYS)))
    still_expiring: set[tuple[str, int, date]] = set()
    raised = 0
    for certification in db.session.scalars(expiring):
        valid_until = certification.valid_until
        assert valid_until is not None, "expiring_by keeps to certificates that end"
        still_expiring.add(("certifications", certification.id, valid_until))
        raised += raise_alert(
            "certificate_expiring",
            certification,
            certification.origin_region_code,
            {
                "product": certification.product.name,
                "certificate_no": certification.certificate_no,
                "valid_until": valid_until.isoformat(),
            },
            valid_until,
            supplier_id=certification.supplier_id,
        )
    return {"raised": raised, "resolved": resolve_others("certificate_expiring", still_expiring)}


def raise_daily(today: date | None = None) -> dict[str, dict[str, int]]:
    """Every computed alert, brought up to date (idempotent: run twice, the same alerts)."""
    today = today or china_today()
    counts = {
        "target_behind": targets_behind(today),
        "unsold_stock": unsold_stock(today),
        "payment_unreconciled": unreconciled_payments(today),
        "certificate_expiring": certificates_expiring(today),
    }
    db.session.commit()
    return counts


def _seen_by(actor: User, kind: str | None) -> Select[Alert]:
    """The alerts, open or resolved, the actor sees: admins every one. Officers those of their
    regions: certificates expiring and unsold stock of products from there, and targets behind for
    the targets they see (origin or buyer there); payments never reconciled (no region) are the
    admins' to chase."""
    scope = officer_scope(actor, "Alerts")
    stmt = select(Alert)
    if scope is not None:
        if kind == "payment_unreconciled":
            raise Forbidden(_("Unreconciled payments are for admins."))
        seen_targets = select(Target.id).where(
            scope_condition(scope, Target.origin_region_code, Target.buyer_region_code)
        )
        stmt = stmt.where(
            or_(
                scope_condition(scope, Alert.region_code),
                and_(Alert.subject_type == Target.__tablename__, Alert.subject_id.in_(seen_targets)),
            )
        )
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    return stmt


def list_alerts(actor: User, kind: str | None, resolved: bool = False) -> Select[Alert]:
    """The open alerts the actor sees, soonest due first; or, `resolved`, those resolved, the last
    resolved first."""
    stmt = _seen_by(actor, kind)
    if resolved:
        return stmt.where(Alert.resolved_at.is_not(None)).order_by(Alert.resolved_at.desc(), Alert.id.desc())
    return stmt.where(Alert.resolved_at.is_(None)).order_by(Alert.due_on, Alert.id)


def resolve_alert(actor: User, alert_id: int) -> Alert:
    """Mark an open alert handled (处理完毕): officers of its region or one above it, and admins;
    an alert with no region is the admins'. Audited; the daily task does not open it again."""
    alert = db.session.scalar(_seen_by(actor, None).where(Alert.id == alert_id))
    if alert is None:
        raise NotFound(_("No alert %(id)s.", id=alert_id))
    if not actor.is_admin and (alert.region_code is None or not officiates(actor, alert.region_code)):
        raise Forbidden(
            _(
                "Only officers of %(region)s or a region above it, and admins, may resolve this alert.",
                region=alert.region_name,
            )
        )
    if alert.resolved_at is not None:
        raise Conflict(_("This alert has been resolved already."))
    alert.resolved_at, alert.resolved_by_id = now(), actor.id
    audit.record(
        alert, "resolve", actor.id, from_status="open", to_status="resolved", details={"kind": alert.kind}
    )
    db.session.commit()
    return alert


def _raise_for_admins(
    kind: str, subject: AlertSubject, params: dict[str, Any], details: dict[str, Any]
) -> bool:
    """An alert raised by the payment step that finds the problem, not by the daily task: one per
    kind and subject, ever (the step may run again, hourly or on a redelivered event). Flushes."""
    raised = db.session.scalar(
        select(Alert.id).where(
            Alert.kind == kind, Alert.subject_type == subject.__tablename__, Alert.subject_id == subject.id
        )
    )
    if raised is not None:
        return False
    return raise_alert(kind, subject, None, params, china_today(), details=details)


def payment_mismatch(payment: Payment, why: str, received: dict[str, Any]) -> bool:
    """The provider says a payment succeeded, but what it received does not pay the order."""
    return _raise_for_admins(
        "payment_mismatch",
        payment,
        {"order_id": payment.order_id, "provider_ref": payment.provider_ref, "why": why},
        {
            "order_id": payment.order_id,
            "owed_fen": payment.amount_fen,
            "currency": payment.currency,
            **received,
        },
    )


def refund_failed(refund: Refund, why: str) -> bool:
    """A refund the provider refused, declined or failed: the buyer has not had the money back."""
    return _raise_for_admins(
        "refund_failed",
        refund,
        {"order_id": refund.order_id, "id": refund.id, "amount_fen": refund.amount_fen, "why": why},
        {"order_id": refund.order_id, "amount_fen": refund.amount_fen, "reason": why},
    )


def payment_event_failed(event: WebhookEvent, why: str) -> bool:
    """A provider event that cannot be resolved (its payment unknown to the provider)."""
    return _raise_for_admins(
        "payment_event_failed",
        event,
        {
            "event_id": event.event_id,
            "event_type": event.event_type,
            "object_id": event.object_id,
            "why": why,
        },
        {"event_id": event.event_id, "event_type": event.event_type, "object_id": event.object_id},
    )
