"""The notifications listen to the domains below them and tell the people an event concerns, in the
sender's transaction (imported once by create_app, like the ledger's and the alerts' receivers).
Every event has a key of its own, so one announced twice tells nobody twice."""

from marketplace.agencies.models import Agency
from marketplace.agencies.services import lineage
from marketplace.catalog.models import Product
from marketplace.certification import events as certification
from marketplace.extensions import db
from marketplace.notifications.models import NotificationKind as Kind
from marketplace.notifications.services import notify
from marketplace.orders import events as orders
from marketplace.payments import events as payments
from marketplace.procurement import events as procurement
from marketplace.procurement.models import PurchaseOrderStatus as PO
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
    supplier = db.session.get(Supplier, fulfilment.supplier_id)
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
    agency = db.session.get(Agency, order.agency_id)
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


DECIDED = {"in_notice", "certified", "rejected", "revoked"}


def certification_moved(cert, from_status, to_status, reason=None, **_kwargs) -> None:
    """The supplier learns its application was decided, at each decision."""
    if to_status not in DECIDED:
        return
    product = db.session.get(Product, cert.product_id)
    notify(
        _members(cert.supplier_id),
        Kind.CERTIFICATION_DECIDED,
        cert,
        f"certification:{cert.id}:{to_status}",
        {"product": product.name, "status": str(to_status)},
    )


payments.order_paid.connect(order_paid)
orders.fulfilment_shipped.connect(fulfilment_shipped)
procurement.purchase_order_moved.connect(purchase_order_moved)
certification.certification_moved.connect(certification_moved)
