"""The notifications listen to the domains below them and tell the people an event concerns, in the
sender's transaction (imported once by create_app, like the ledger's and the alerts' receivers).
Every event has a key of its own, so one announced twice tells nobody twice."""

from marketplace.accounts.models import RoleGrant, User
from marketplace.agencies.models import Agency
from marketplace.agencies.services import lineage
from marketplace.alerts import events as alerts
from marketplace.alerts.models import Alert
from marketplace.catalog.models import Product
from marketplace.certification import events as certification
from marketplace.certification.models import Certification, CertificationStatus
from marketplace.extensions import db
from marketplace.ledger.models import Target
from marketplace.notifications.models import NotificationKind as Kind
from marketplace.notifications.services import notify
from marketplace.orders import events as orders
from marketplace.payments import events as payments
from marketplace.procurement import events as procurement
from marketplace.procurement.models import PurchaseOrderStatus as PO
from marketplace.regions.models import Region
from marketplace.suppliers.models import Supplier, SupplierMember


def _members(supplier_id: int) -> set[int]:
    return set(
        db.session.scalars(db.select(SupplierMember.user_id).where(SupplierMember.supplier_id == supplier_id))
    )


def order_paid(order, **_kwargs) -> None:
    """Each supplier on a paid order is told what it has to ship."""
    for fulfilment in order.fulfilments:
        lines = [line for line in order.lines if line.fulfilment_id == fulfilment.id]
        notify(
            _members(fulfilment.supplier_id),
            Kind.ORDER_RECEIVED,
            order,
            f"order:{order.id}:paid:{fulfilment.id}",
            {
                "order_id": order.id,
                "quantity": sum(line.quantity for line in lines),
                "amount_fen": sum(line.line_total_fen for line in lines),
            },
        )


def fulfilment_shipped(fulfilment, order, **_kwargs) -> None:
    supplier = db.session.get_one(Supplier, fulfilment.supplier_id)
    notify(
        {order.buyer_id},
        Kind.PARCEL_SHIPPED,
        order,
        f"fulfilment:{fulfilment.id}:shipped",
        {
            "order_id": order.id,
            "supplier": supplier.name,
            "carrier": fulfilment.carrier,
            "tracking_no": fulfilment.tracking_no,
        },
    )


def purchase_order_moved(order, from_status, to_status, reason=None, **_kwargs) -> None:
    """Approvers learn an order waits for them; its purchaser how it was decided; its suppliers that
    they have an order to confirm."""
    agency = db.session.get_one(Agency, order.agency_id)
    figures = {"po_id": order.id, "agency": agency.name, "total_fen": order.total_fen}
    key = f"purchase_order:{order.id}:{to_status}"
    if to_status == PO.SUBMITTED and order.approvals_required > 0:
        approvers = {m.user_id for unit in lineage(agency) for m in unit.members if m.role == "approver"}
        notify(approvers - {order.created_by_id}, Kind.PO_AWAITING_APPROVAL, order, key, figures)
    elif to_status == PO.APPROVED:
        notify({order.created_by_id}, Kind.PO_APPROVED, order, key, figures)
        for part in order.parts:
            notify(_members(part.supplier_id), Kind.PO_RECEIVED, order, key, figures)
    elif to_status == PO.REJECTED:
        notify({order.created_by_id}, Kind.PO_REJECTED, order, key, {**figures, "reason": reason})


DECIDED = {
    CertificationStatus.IN_NOTICE,
    CertificationStatus.CERTIFIED,
    CertificationStatus.REJECTED,
    CertificationStatus.REVOKED,
}


def certification_moved(cert, from_status, to_status, reason=None, **_kwargs) -> None:
    """The supplier learns its application was decided, at each decision."""
    if to_status not in DECIDED:
        return
    product = db.session.get_one(Product, cert.product_id)
    notify(
        _members(cert.supplier_id),
        Kind.CERTIFICATION_DECIDED,
        cert,
        f"certification:{cert.id}:{to_status}",
        {"product": product.name, "product_id": product.id, "status": str(to_status)},
    )


def _nearest_officers(region_codes: set[str]) -> set[int]:
    """For each region, its own active officers; where it has none, those of the nearest region above
    it that has some. The officers further up read it in their weekly digest instead: told at once of
    every county's alert, a province's officer would get hundreds."""
    told: set[int] = set()
    for region_code in region_codes:
        for code in reversed(db.session.get_one(Region, region_code).ancestor_codes):
            officers = set(
                db.session.scalars(
                    db.select(RoleGrant.user_id)
                    .join(User, User.id == RoleGrant.user_id)
                    .where(RoleGrant.role == "region_officer", RoleGrant.region_code == code, User.is_active)
                )
            )
            if officers:
                told |= officers
                break
    return told


def _admins() -> set[int]:
    return set(
        db.session.scalars(
            db.select(RoleGrant.user_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == "admin", User.is_active)
        )
    )


def _alert_readers(alert: Alert) -> set[int]:
    """Who acts on an alert first: the officers of its region, or of the nearest region above it that
    has officers (a target's, of its buyers' side too); those above read it in their weekly digest.
    Not every admin: they see every county's alerts on the dashboard and would be told of each one.
    An alert with no region (payments) is the admins' alone: they are told."""
    if alert.region_code is None:
        return _admins()
    sides = {alert.region_code}
    if alert.subject_type == Target.__tablename__:
        target = db.session.get_one(Target, alert.subject_id)
        sides |= {code for code in (target.origin_region_code, target.buyer_region_code) if code}
    return _nearest_officers(sides)


# What an officer is told of the day it opens: a target falling behind. Unsold stock and expiring
# certificates wait for the weekly digest (a county raises dozens a day); the payments' alerts (no
# region) are the admins', told at once: money is out of step.
TOLD_AT_ONCE = {"target_behind"}


def alert_opened(alert: Alert, **_kwargs) -> None:
    """An alert's readers learn it opened, once per alert (opened again when its cause returned, it
    is in their weekly digest, not told again), if it is of a kind told at once; a certificate
    expiring tells its supplier, once per certificate and validity."""
    if alert.kind in TOLD_AT_ONCE or alert.region_code is None:
        notify(
            _alert_readers(alert),
            Kind.ALERT_OPENED,
            alert,
            f"alert:{alert.id}:opened",
            {"kind": alert.kind, "region": alert.region_name, "alert": alert.params},
        )
    if alert.kind == "certificate_expiring":
        cert = db.session.get_one(Certification, alert.subject_id)
        notify(
            _members(cert.supplier_id),
            Kind.CERTIFICATE_EXPIRING,
            cert,
            f"certification:{cert.id}:expiring:{cert.valid_until}",
            {
                "product": cert.product.name,
                "product_id": cert.product_id,
                "certificate_no": cert.certificate_no,
                "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
            },
        )


payments.order_paid.connect(order_paid)
orders.fulfilment_shipped.connect(fulfilment_shipped)
procurement.purchase_order_moved.connect(purchase_order_moved)
certification.certification_moved.connect(certification_moved)
alerts.alert_opened.connect(alert_opened)
