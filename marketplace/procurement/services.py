"""The purchase-order workflow. Each step checks the order's status (409 otherwise) and the caller:
purchasers draft, submit and receive; approvers approve in tiers (never their own order); each
supplier confirms, ships and invoices its part; an admin records the bank transfers."""

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, NotRequired, TypedDict

from sqlalchemy import ColumnElement, Row, Select, delete, label, or_, select
from sqlalchemy.orm import lazyload

from marketplace.accounts.models import User
from marketplace.aftersales.fapiao import INVOICE_MAX_BYTES, UnsupportedInvoice, sniff_invoice
from marketplace.agencies.models import Agency, AgencyMember
from marketplace.agencies.services import get_agency, roles_over, subtree_ids
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import Product
from marketplace.catalog.services import TooLarge, certificates_on, sniff_image
from marketplace.catalog.stock import put_back, reserve
from marketplace.errors import Conflict, Forbidden, InvalidField, NotFound, when_taken
from marketplace.extensions import db, in_ids, insert_rows, kept_loaded
from marketplace.i18n import N_, _, name_of, names_of, yuan
from marketplace.procurement import imports
from marketplace.procurement.events import purchase_order_moved, purchase_order_paid
from marketplace.procurement.models import (
    PART_STATUS_NAMES,
    STATUS_NAMES,
    Approval,
    BankPayment,
    LineStatus,
    PartStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    SupplierPart,
)
from marketplace.storage import storage
from marketplace.suppliers.models import Supplier, SupplierMember
from marketplace.suppliers.services import member_supplier_ids, others_members
from marketplace.timeutil import china_today, now

REFERENCE_TAKEN = N_("This bank reference is recorded already.")
ALREADY_USED = N_("Already used.")
when_taken("uq_po_bank_payments_reference", "reference", REFERENCE_TAKEN, ALREADY_USED)


class LineWanted(TypedDict):
    """A line as a draft is given it (LineInputSchema, or a row of an import)."""

    product_id: int
    quantity: int


class Receipt(TypedDict):
    """What arrived of one open line (ReceiptLineSchema)."""

    line_id: int
    quantity_received: int
    note: NotRequired[str]


class SupplierName(TypedDict):
    """A supplier of the lines shown (SupplierNameSchema)."""

    id: int
    name: str


class PurchaseOrderView(TypedDict):
    """An order as its caller reads it (PurchaseOrderSchema): a supplier, only its own lines and part."""

    order: PurchaseOrder
    agency_name: str
    lines: list[PurchaseOrderLine]
    parts: list[SupplierPart]
    may_approve: bool
    suppliers: list[SupplierName]


# What a line copies from its product: (id, supplier_id, name, price_fen, certificate_no).
OnSale = Row[int, int, str, int, str | None]


def create_purchase_order(
    actor: User, agency_id: int, lines: list[LineWanted], delivery_address: str, needed_by: date | None
) -> PurchaseOrder:
    agency = get_agency(actor, agency_id)
    if "purchaser" not in agency.role_of(actor.id):
        raise Forbidden(_("Only the agency's purchasers draft its orders."))
    order = PurchaseOrder(
        agency_id=agency.id, created_by_id=actor.id, delivery_address=delivery_address, needed_by=needed_by
    )
    db.session.add(order)
    count = _set_lines(order, lines)
    audit.record(order, "create", actor.id, to_status=PurchaseOrderStatus.DRAFT, details={"lines": count})
    db.session.commit()
    return order


MAX_LINE_QUANTITY = 1_000_000
# No order can be invoiced or paid beyond this (the invoice and payment schemas' cap): ¥100 billion.
MAX_ORDER_TOTAL_FEN = 10**13


def _set_lines(
    order: PurchaseOrder, lines: list[LineWanted], field: str = "lines", location: str = "json"
) -> int:
    """Replace the draft's lines (and say how many it has now): listed products only, at today's
    price, each flagged by whether a certificate is valid today. Lines naming one product are summed
    into one, which must keep within the per-line cap, and the order within MAX_ORDER_TOTAL_FEN.
    The lines are written in bulk, not as ORM objects, for an order may have 20,000 of them."""
    wanted: dict[int, int] = defaultdict(int)
    for item in lines:
        wanted[item["product_id"]] += item["quantity"]
    over = sorted(i for i, quantity in wanted.items() if quantity > MAX_LINE_QUANTITY)
    if over:
        raise InvalidField(
            field,
            _(
                "At most %(max)s of one product per order; lines naming product %(products)s come to more.",
                max=f"{MAX_LINE_QUANTITY:,}",
                products=", ".join(map(str, over)),
            ),
            location=location,
        )
    products = _on_sale(in_ids(Product.id, wanted))
    unknown = sorted(i for i in wanted if i not in products)
    if unknown:
        raise InvalidField(
            field,
            _("Not on sale: product %(products)s.", products=", ".join(map(str, unknown))),
            location=location,
        )
    total = sum(products[i].price_fen * quantity for i, quantity in wanted.items())
    if total > MAX_ORDER_TOTAL_FEN:
        raise InvalidField(
            field,
            _(
                "The order would come to %(total)s; one order may come to at most %(max)s. Split it.",
                total=yuan(total),
                max=yuan(MAX_ORDER_TOTAL_FEN),
            ),
            location=location,
        )
    db.session.flush()  # a new draft's row first: its lines name its id
    db.session.execute(delete(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id))
    rows = [
        {
            "order_id": order.id,
            "product_id": product_id,
            "supplier_id": products[product_id].supplier_id,
            "product_name": products[product_id].name,
            "unit_price_fen": products[product_id].price_fen,
            "quantity": wanted[product_id],
            "certificate_no": products[product_id].certificate_no,
        }
        for product_id in sorted(wanted)
    ]
    insert_rows(PurchaseOrderLine, rows)
    # Read back when next asked for, which after the commit is once, for the answer.
    db.session.expire(order, ["lines"])
    order.total_fen = total
    return len(rows)


def _order_for(actor: User, order_id: int, lock: bool = False) -> PurchaseOrder:
    if lock:
        db.session.execute(
            select(PurchaseOrder.id).where(PurchaseOrder.id == order_id).with_for_update(key_share=True)
        )
    # The lines are read when first asked for, not with the order: a step that does not need them
    # before its commit (after which they are read again, for the answer) does not read 20,000 twice.
    order = db.session.get(
        PurchaseOrder, order_id, populate_existing=lock, options=[lazyload(PurchaseOrder.lines)]
    )
    if order is None or not can_see(actor, order):
        raise NotFound(_("No purchase order %(id)s.", id=order_id))
    return order


def can_see(actor: User, order: PurchaseOrder) -> bool:
    return (
        actor.is_admin
        or bool(roles_over(actor, order.agency))
        or bool(member_supplier_ids(actor) & _order_suppliers(order))
    )


def _order_suppliers(order: PurchaseOrder) -> set[int]:
    return {line.supplier_id for line in order.lines}


def _require(order: PurchaseOrder, *statuses: PurchaseOrderStatus) -> None:
    if order.status not in statuses:
        raise Conflict(
            _(
                "A purchase order in status %(status)s cannot do that (allowed: %(allowed)s).",
                status=name_of(STATUS_NAMES, order.status),
                allowed=names_of(STATUS_NAMES, statuses),
            )
        )


def _move(
    order: PurchaseOrder,
    to_status: PurchaseOrderStatus,
    actor: User,
    action: str,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    from_status, order.status = order.status, to_status
    audit.record(
        order, action, actor.id, from_status=from_status, to_status=to_status, reason=reason, details=details
    )
    purchase_order_moved.send(order, from_status=from_status, to_status=to_status, reason=reason)


def replace_lines(actor: User, order_id: int, lines: list[LineWanted]) -> PurchaseOrder:
    order = _order_for(actor, order_id, lock=True)
    _require_purchaser(actor, order)
    _require(order, PurchaseOrderStatus.DRAFT)
    count = _set_lines(order, lines)
    audit.record(order, "edit_lines", actor.id, details={"lines": count})
    db.session.commit()
    return order


def _require_purchaser(actor: User, order: PurchaseOrder) -> None:
    if "purchaser" not in order.agency.role_of(actor.id):
        raise Forbidden(_("Only the agency's purchasers may do this."))


def submit(actor: User, order_id: int) -> PurchaseOrder:
    """Reserve the stock of every line (all shortages at once) and send the order for approval."""
    order = _order_for(actor, order_id, lock=True)
    _require_purchaser(actor, order)
    _require(order, PurchaseOrderStatus.DRAFT)
    _reserve(order)
    order.approvals_required = sum(1 for tier in order.agency.approval_tiers_fen if order.total_fen >= tier)
    order.submitted_on = china_today()
    _move(
        order,
        PurchaseOrderStatus.SUBMITTED,
        actor,
        "submit",
        details={"total_fen": order.total_fen, "approvals_required": order.approvals_required},
    )
    if order.approvals_required == 0:
        _start_supplier_parts(order)
        _move(
            order, PurchaseOrderStatus.APPROVED, actor, "approve", reason=N_("below every approval threshold")
        )
    db.session.commit()
    return order


def _reserve(order: PurchaseOrder) -> None:
    """Reserve the stock of a draft's lines, read as (product, quantity) pairs, not ORM objects."""
    wanted: dict[int, int] = defaultdict(int)
    lines = select(PurchaseOrderLine.product_id, PurchaseOrderLine.quantity).where(
        PurchaseOrderLine.order_id == order.id
    )
    for product_id, quantity in db.session.execute(lines):
        wanted[product_id] += quantity
    if not wanted:
        raise InvalidField("lines", _("An order needs at least one line."))
    reserve(wanted, "lines")
    order.stock_held = True


def _release(order: PurchaseOrder, lines: list[PurchaseOrderLine] | None = None) -> None:
    if not order.stock_held:
        return
    put_back(
        [(line.product_id, line.quantity) for line in (lines if lines is not None else order.open_lines)]
    )
    if lines is None:
        order.stock_held = False


def _start_supplier_parts(order: PurchaseOrder) -> None:
    for supplier_id in sorted(_order_suppliers(order)):
        order.parts.append(SupplierPart(supplier_id=supplier_id))


def approve(actor: User, order_id: int, comment: str | None) -> PurchaseOrder:
    """One tier's approval; the order is approved when every tier its amount reaches has approved."""
    order = _order_for(actor, order_id, lock=True)
    _require_approver(actor, order)
    _require(order, PurchaseOrderStatus.SUBMITTED)
    if actor.id in {a.approver_id for a in order.approvals}:
        raise Forbidden(_("One approver approves one tier; another must approve the next."))
    tier = len(order.approvals) + 1
    order.approvals.append(Approval(approver_id=actor.id, tier=tier, comment=comment))
    audit.record(order, "approve_tier", actor.id, reason=comment, details={"tier": tier})
    if tier >= order.approvals_required:
        _start_supplier_parts(order)
        _move(order, PurchaseOrderStatus.APPROVED, actor, "approve", reason=comment)
    db.session.commit()
    return order


def _require_approver(actor: User, order: PurchaseOrder) -> None:
    agency = order.agency
    if not ({"approver", "lead_approver"} & roles_over(actor, agency)):
        raise Forbidden(_("Only an approver of the agency or of a lead unit above it may do this."))
    if actor.id == order.created_by_id:
        raise Forbidden(_("Nobody approves an order they drafted."))


def reject(actor: User, order_id: int, comment: str) -> PurchaseOrder:
    order = _order_for(actor, order_id, lock=True)
    _require_approver(actor, order)
    _require(order, PurchaseOrderStatus.SUBMITTED)
    _release(order)
    _move(order, PurchaseOrderStatus.REJECTED, actor, "reject", reason=comment)
    db.session.commit()
    return order


def cancel(actor: User, order_id: int, reason: str | None) -> PurchaseOrder:
    order = _order_for(actor, order_id, lock=True)
    if not actor.is_admin:
        _require_purchaser(actor, order)
    _require(order, PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.SUBMITTED, PurchaseOrderStatus.APPROVED)
    _release(order)
    _move(order, PurchaseOrderStatus.CANCELLED, actor, "cancel", reason=reason)
    db.session.commit()
    return order


def _require_supplier(actor: User, order: PurchaseOrder) -> None:
    """Who may act comes before whether the order's state allows it."""
    if not member_supplier_ids(actor) & _order_suppliers(order):
        raise Forbidden(_("Only a supplier with lines on this order acts on its part."))


def _own_part(actor: User, order: PurchaseOrder) -> SupplierPart:
    mine = member_supplier_ids(actor)
    part = next((p for p in order.parts if p.supplier_id in mine), None)
    if part is None:
        raise Forbidden(_("Only a supplier with lines on this order acts on its part."))
    return part


def confirm(actor: User, order_id: int, declined_line_ids: list[int]) -> PurchaseOrder:
    """A supplier confirms its part, declining lines it cannot supply (their stock is released and
    the total adjusts); when every supplier has answered the order is confirmed."""
    order = _order_for(actor, order_id, lock=True)
    _require_supplier(actor, order)
    _require(order, PurchaseOrderStatus.APPROVED)
    part = _own_part(actor, order)
    if part.status != PartStatus.AWAITING:
        raise Conflict(_("This supplier has answered already."))
    own_lines = [line for line in order.lines if line.supplier_id == part.supplier_id]
    unknown = set(declined_line_ids) - {line.id for line in own_lines}
    if unknown:
        raise InvalidField(
            "declined_line_ids", _("Not lines of yours: %(ids)s.", ids=", ".join(map(str, sorted(unknown))))
        )
    declined = [line for line in own_lines if line.id in declined_line_ids]
    _release(order, declined)
    for line in own_lines:
        line.status = LineStatus.DECLINED if line in declined else LineStatus.CONFIRMED
    part.status = PartStatus.DECLINED if len(declined) == len(own_lines) else PartStatus.CONFIRMED
    order.total_fen = sum(line.line_total_fen for line in order.open_lines)
    audit.record(
        order,
        "supplier_confirm",
        actor.id,
        details={"supplier_id": part.supplier_id, "declined_line_ids": sorted(declined_line_ids)},
    )
    if all(p.status != PartStatus.AWAITING for p in order.parts):
        if not order.open_lines:
            order.stock_held = False
            _move(order, PurchaseOrderStatus.CANCELLED, actor, "cancel", reason=N_("every supplier declined"))
        else:
            _move(order, PurchaseOrderStatus.CONFIRMED, actor, "confirm")
    db.session.commit()
    return order


def ship(actor: User, order_id: int, carrier: str, tracking_no: str) -> PurchaseOrder:
    order = _order_for(actor, order_id, lock=True)
    _require_supplier(actor, order)
    _require(order, PurchaseOrderStatus.CONFIRMED)
    part = _own_part(actor, order)
    if part.status != PartStatus.CONFIRMED:
        raise Conflict(
            _("A part in status %(status)s does not ship.", status=name_of(PART_STATUS_NAMES, part.status))
        )
    part.status = PartStatus.SHIPPED
    part.carrier, part.tracking_no = carrier, tracking_no
    audit.record(
        order,
        "supplier_ship",
        actor.id,
        details={"supplier_id": part.supplier_id, "tracking_no": tracking_no},
    )
    if all(p.status in (PartStatus.SHIPPED, PartStatus.DECLINED) for p in order.parts):
        _move(order, PurchaseOrderStatus.SHIPPED, actor, "ship")
    db.session.commit()
    return order


def receive(actor: User, order_id: int, receipts: list[Receipt]) -> PurchaseOrder:
    """The agency records what arrived, line by line; shortfalls stay on the record."""
    order = _order_for(actor, order_id, lock=True)
    _require_purchaser(actor, order)
    _require(order, PurchaseOrderStatus.SHIPPED)
    by_id = {line.id: line for line in order.open_lines}
    given = {r["line_id"]: r for r in receipts}
    missing = sorted(set(by_id) - set(given))
    if missing or set(given) - set(by_id):
        raise InvalidField(
            "lines",
            _(
                "Give exactly the order's open lines; missing: %(missing)s.",
                missing=", ".join(map(str, missing)) or _("none"),
            ),
        )
    received: dict[int, int] = {}
    for line_id, receipt in given.items():
        line = by_id[line_id]
        received[line_id] = receipt["quantity_received"]
        if received[line_id] > line.quantity:
            raise InvalidField(
                "lines",
                _(
                    "Line %(line)s: more received than ordered (%(ordered)s).",
                    line=line_id,
                    ordered=line.quantity,
                ),
            )
        line.quantity_received, line.inspection_note = received[line_id], receipt.get("note")
    shortfalls = {
        line_id: line.quantity - received[line_id]
        for line_id, line in by_id.items()
        if received[line_id] < line.quantity
    }
    _move(order, PurchaseOrderStatus.RECEIVED, actor, "receive", details={"shortfalls": shortfalls})
    db.session.commit()
    return order


def invoice(
    actor: User, order_id: int, invoice_no: str, amount_fen: int, e_invoice: bytes | None = None
) -> PurchaseOrder:
    """A supplier's fapiao for its part: the amount must be the value of what was received; with
    `e_invoice`, its file (PDF, OFD or a photo), kept in the file store."""
    order = _order_for(actor, order_id, lock=True)
    _require_supplier(actor, order)
    _require(order, PurchaseOrderStatus.RECEIVED)
    part = _own_part(actor, order)
    if part.invoice_no is not None:
        raise Conflict(_("This part is invoiced already."))
    due = sum(line.received_value_fen for line in order.open_lines if line.supplier_id == part.supplier_id)
    if amount_fen != due:
        raise InvalidField(
            "amount_fen",
            _("Must equal the value received, %(due)s fen (%(yuan)s).", due=due, yuan=yuan(due)),
            location="json" if e_invoice is None else "form",
        )
    details: dict[str, Any] = {
        "supplier_id": part.supplier_id,
        "invoice_no": invoice_no,
        "amount_fen": amount_fen,
    }
    if e_invoice is not None:
        part.invoice_file_type = _e_invoice_type(e_invoice)
        part.invoice_file_key = f"{uuid.uuid4().hex}.{E_INVOICE_TYPES[part.invoice_file_type]}"
        storage().save(part.invoice_file_key, e_invoice)
        details["e_invoice"] = part.invoice_file_type
    part.invoice_no, part.invoice_amount_fen, part.invoice_recorded_at = invoice_no, amount_fen, now()
    audit.record(order, "invoice", actor.id, details=details)
    if all(p.invoice_no is not None for p in order.parts if p.status != PartStatus.DECLINED):
        _move(order, PurchaseOrderStatus.INVOICED, actor, "invoiced")
    db.session.commit()
    return order


# What an e-invoice may be, by the type its bytes tell, and the extension it is stored under.
E_INVOICE_TYPES = {
    "application/pdf": "pdf",
    "application/ofd": "ofd",
    "image/jpeg": "jpg",
    "image/png": "png",
}


def _e_invoice_type(data: bytes) -> str:
    if len(data) > INVOICE_MAX_BYTES:
        raise TooLarge(
            _("An invoice file may be at most %(kib)s KiB.", kib=INVOICE_MAX_BYTES // 1024),
            errors={"files": {"file": [_("Too large.")]}},
        )
    content_type = sniff_invoice(data) or sniff_image(data)
    if content_type not in E_INVOICE_TYPES:
        raise UnsupportedInvoice(
            _("An e-invoice is a PDF or OFD file, or a JPEG or PNG photo of the fapiao."),
            errors={"files": {"file": [_("Not a PDF, OFD, JPEG or PNG file.")]}},
        )
    return content_type


def read_e_invoice(actor: User, order_id: int, supplier_id: int) -> tuple[bytes, str, str]:
    """A part's e-invoice, its type and a file name: to the agency's side, admins and that supplier;
    as missing to anyone else (another supplier of the order included)."""
    order = _order_for(actor, order_id)
    part = next((p for p in order.parts if p.supplier_id == supplier_id), None)
    agency_side = actor.is_admin or bool(roles_over(actor, order.agency))
    if part is not None and not agency_side and supplier_id not in member_supplier_ids(actor):
        part = None
    data = storage().read(part.invoice_file_key) if part and part.invoice_file_key else None
    if part is None or data is None or part.invoice_file_type is None:
        raise NotFound(
            _(
                "Purchase order %(id)s has no e-invoice of supplier %(supplier)s.",
                id=order_id,
                supplier=supplier_id,
            )
        )
    name = f"fapiao-{part.invoice_no}.{E_INVOICE_TYPES[part.invoice_file_type]}"
    return data, part.invoice_file_type, name


def invoiced_total(order: PurchaseOrder) -> int:
    return sum(p.invoice_amount_fen or 0 for p in order.parts)


def record_payment(actor: User, order_id: int, amount_fen: int, reference: str) -> PurchaseOrder:
    """An admin reconciles a bank transfer; partial payments add up, an overpayment is refused."""
    if not actor.is_admin:
        raise Forbidden(_("Only an admin records bank transfers."))
    order = _order_for(actor, order_id, lock=True)
    _require(order, PurchaseOrderStatus.INVOICED)
    if db.session.scalar(select(BankPayment.id).where(BankPayment.reference == reference)) is not None:
        raise Conflict(_(REFERENCE_TAKEN), errors={"json": {"reference": [_(ALREADY_USED)]}})
    outstanding = invoiced_total(order) - order.paid_fen
    if amount_fen > outstanding:
        raise InvalidField(
            "amount_fen",
            _(
                "Only %(outstanding)s fen (%(yuan)s) is outstanding.",
                outstanding=outstanding,
                yuan=yuan(outstanding),
            ),
        )
    order.payments.append(BankPayment(amount_fen=amount_fen, reference=reference, recorded_by_id=actor.id))
    order.paid_fen += amount_fen
    audit.record(order, "payment", actor.id, details={"amount_fen": amount_fen, "reference": reference})
    if order.paid_fen == invoiced_total(order):
        order.paid_on = china_today()
        _certify_at_payment(order, actor, order.paid_on)
        # The ledger enters the sales (ledger/receivers.py).
        purchase_order_paid.send(order, agency=order.agency, sale_date=order.paid_on)
        _move(order, PurchaseOrderStatus.PAID, actor, "paid")
    db.session.commit()
    return order


def _certify_at_payment(order: PurchaseOrder, actor: User, paid_on: date) -> None:
    """A sale is certified by the certificate valid on the day its money is received, not the one
    the draft saw: each open line takes the certificate its product holds on that day (none if it
    was revoked or has expired since), which the ledger entry and the reserved-share quota count."""
    held = certificates_on({line.product_id for line in order.open_lines}, paid_on)
    changed: dict[str, dict[str, str | None]] = {}
    for line in order.open_lines:
        certificate = held.get(line.product_id)
        if certificate != line.certificate_no:
            changed[str(line.id)] = {"was": line.certificate_no, "now": certificate}
            line.certificate_no = certificate
    if changed:
        audit.record(order, "recertify", actor.id, reason=N_("certificates on the day paid"), details=changed)


def rate(actor: User, order_id: int, supplier_id: int, score: int, comment: str | None) -> PurchaseOrder:
    order = _order_for(actor, order_id, lock=True)
    if not order.agency.role_of(actor.id):
        raise Forbidden(_("Only the agency's members rate its suppliers."))
    _require(order, PurchaseOrderStatus.PAID)
    part = next(
        (p for p in order.parts if p.supplier_id == supplier_id and p.status != PartStatus.DECLINED), None
    )
    if part is None:
        raise InvalidField("supplier_id", _("Not a supplier that delivered on this order."))
    part.rating, part.rating_comment = score, comment
    audit.record(order, "rate", actor.id, details={"supplier_id": supplier_id, "score": score})
    db.session.commit()
    return order


def get_purchase_order(actor: User, order_id: int) -> PurchaseOrder:
    return _order_for(actor, order_id)


# What a supplier reads of the events about the whole order: its view shows the total, the tiers
# and approvals, and paid_fen; never the line count of others, nor the bank's references.
ORDER_WIDE_DETAILS = ("total_fen", "approvals_required", "tier", "amount_fen")


def purchase_order_history(actor: User, order_id: int) -> list[AuditEvent] | list[dict[str, Any]]:
    """The order's events as its view shows them: all of them to the agency side and admins; to a
    supplier, its own part's (confirmation, shipment, invoice, rating), its own lines' shortfalls,
    and the whole order's changes of status."""
    order = _order_for(actor, order_id)
    events = audit.history("purchase_orders", order.id)
    if actor.is_admin or roles_over(actor, order.agency):
        return events
    mine = member_supplier_ids(actor)
    own_lines = {str(line.id) for line in order.lines if line.supplier_id in mine}
    others = others_members(_order_suppliers(order), mine)
    shown = []
    for event in events:
        details = event.details or {}
        if "supplier_id" in details:
            if details["supplier_id"] not in mine:
                continue
        elif "shortfalls" in details:
            details = {"shortfalls": {k: v for k, v in details["shortfalls"].items() if str(k) in own_lines}}
        else:
            details = {k: details[k] for k in ORDER_WIDE_DETAILS if k in details}
        shown.append(audit.shown_as(event, details=details, hide_actor=event.actor_id in others))
    return shown


Step = Callable[[User, int, dict[str, Any]], PurchaseOrder]


def answer_step(actor: User, step: Step, order_id: int, body: dict[str, Any]) -> PurchaseOrderView:
    """Take a step and answer with the caller's view of the order as the step left it: the step's
    commit does not expire what it loaded, so the answer is not the caller, the order, its agencies
    and its lines read again (13 statements of a step's 30). What the database sets on writing
    (timestamps) is expired by the flush itself and read when shown."""
    with kept_loaded():
        return view(actor, step(actor, order_id, body))


def view(actor: User, order: PurchaseOrder) -> PurchaseOrderView:
    """A supplier sees only its own lines and part; the agency side sees everything."""
    return view_many(actor, [order])[0]


def view_many(actor: User, orders: list[PurchaseOrder]) -> list[PurchaseOrderView]:
    """view() for a page of orders: the caller's roles once per agency, its suppliers once."""
    roles: dict[int, set[str]] = {}
    mine = member_supplier_ids(actor)
    views = []
    for order in orders:
        agency = order.agency
        if order.agency_id not in roles:
            roles[order.agency_id] = roles_over(actor, agency)
        own = None if actor.is_admin or roles[order.agency_id] else mine
        views.append(
            PurchaseOrderView(
                order=order,
                agency_name=agency.name,
                lines=[line for line in order.lines if own is None or line.supplier_id in own],
                parts=[p for p in order.parts if own is None or p.supplier_id in own],
                may_approve=_may_approve(actor, order, roles[order.agency_id]),
                suppliers=[],  # named below, all of the page's at once
            )
        )
    ids = {line.supplier_id for v in views for line in v["lines"]}
    found = db.session.execute(select(Supplier.id, Supplier.name).where(in_ids(Supplier.id, ids)))
    names = {supplier_id: name for supplier_id, name in found}
    for v in views:
        shown = sorted({line.supplier_id for line in v["lines"]})
        v["suppliers"] = [SupplierName(id=i, name=names[i]) for i in shown]
    return views


def _may_approve(actor: User, order: PurchaseOrder, roles: set[str]) -> bool:
    """Whether `approve` would take the caller's approval of the order's next tier now."""
    return (
        order.status == PurchaseOrderStatus.SUBMITTED
        and bool({"approver", "lead_approver"} & roles)
        and actor.id != order.created_by_id
        and actor.id not in {a.approver_id for a in order.approvals}
    )


def list_purchase_orders(actor: User, status: str | None, awaiting_me: bool = False) -> Select[PurchaseOrder]:
    """The agency's orders for its members (an approver's also those of every unit under it), a
    supplier's orders with its lines on them, all for admins; or, awaiting the caller, the approvals
    inbox."""
    if awaiting_me:
        return _awaiting(actor)
    stmt = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if not actor.is_admin:
        visible: set[int] = set()
        memberships = db.session.execute(
            select(AgencyMember.agency_id, AgencyMember.role).where(AgencyMember.user_id == actor.id)
        ).all()
        for agency_id, role in memberships:
            visible.update(
                subtree_ids(db.session.get_one(Agency, agency_id)) if role == "approver" else [agency_id]
            )
        supplier_orders = select(PurchaseOrderLine.order_id).where(
            PurchaseOrderLine.supplier_id.in_(
                select(SupplierMember.supplier_id).where(SupplierMember.user_id == actor.id)
            )
        )
        stmt = stmt.where(or_(PurchaseOrder.agency_id.in_(visible), PurchaseOrder.id.in_(supplier_orders)))
    if status:
        stmt = stmt.where(PurchaseOrder.status == status)
    return stmt


def _awaiting(actor: User) -> Select[PurchaseOrder]:
    """Submitted orders of the units the caller approves for (their own and every unit under it)
    that `approve` would let them approve now, oldest first: not drafted by them, no earlier tier of
    theirs. An admin approves nothing as an admin, so their inbox is that of their memberships."""
    units: set[int] = set()
    approves_for = select(AgencyMember.agency_id).where(
        AgencyMember.user_id == actor.id, AgencyMember.role == "approver"
    )
    for agency_id in db.session.scalars(approves_for):
        units.update(subtree_ids(db.session.get_one(Agency, agency_id)))
    theirs = select(Approval.order_id).where(Approval.approver_id == actor.id)
    return (
        select(PurchaseOrder)
        .where(
            PurchaseOrder.status == PurchaseOrderStatus.SUBMITTED,
            PurchaseOrder.agency_id.in_(units),
            PurchaseOrder.created_by_id != actor.id,
            PurchaseOrder.id.not_in(theirs),
        )
        .order_by(PurchaseOrder.submitted_on, PurchaseOrder.id)
    )


def order_for_import(actor: User, order_id: int) -> PurchaseOrder:
    """The order, if the caller is one of its agency's purchasers, who import its lines."""
    order = _order_for(actor, order_id)
    _require_purchaser(actor, order)
    return order


def draft_for_import(actor: User, order_id: int) -> PurchaseOrder:
    """The draft, if the caller is one of its agency's purchasers: where an import starts (not
    locked: the import checks again under the lock when it writes)."""
    order = order_for_import(actor, order_id)
    _require(order, PurchaseOrderStatus.DRAFT)
    return order


def order_for_agency_side(actor: User, order_id: int) -> PurchaseOrder:
    """The order, if the caller reads it on its agency's side (its members, approvers above, admins),
    not as one of its suppliers: what reads the order's imports, whose files may name any line."""
    order = _order_for(actor, order_id)
    if not (actor.is_admin or roles_over(actor, order.agency)):
        raise Forbidden(_("Only the agency's side reads the imports of its orders."))
    return order


def import_lines(
    actor: User, order_id: int, data: bytes, progress: imports.Progress | None = None
) -> PurchaseOrder:
    """Replace a draft's lines with those of an XLSX or CSV file, all or nothing: any bad row and
    nothing changes, and the answer lists every bad row by number and column (as the file's header
    names it). A product name given beside the product must be the product's (or a part of it): a
    row whose name contradicts its 商品编号 is refused, not bought. The file is read and checked
    before the order's row is locked, so its work holds up nobody else acting on the order.
    `progress` hears of the rows as they are read."""
    order = order_for_import(actor, order_id)
    _require(order, PurchaseOrderStatus.DRAFT)
    parsed = imports.parse_lines(data, progress)
    rows, key, headers = parsed.rows, parsed.key, parsed.headers
    if not rows:
        raise InvalidField("file", _("The file has a header but no rows."), location="files")
    errors: dict[str, dict[str, list[str]]] = {}

    def bad(number: int, column: str, why: str) -> None:
        errors.setdefault(str(number), {}).setdefault(headers[column], []).append(why)

    quantities: dict[int, int | None] = {}
    keys: dict[int, int | str | None] = {}
    for row in rows:
        quantity = _whole(row.quantity)
        if quantity is None or not 1 <= quantity <= MAX_LINE_QUANTITY:
            bad(
                row.number,
                "quantity",
                _(
                    'Not a whole number from 1 to %(max)s: "%(value)s".',
                    max=f"{MAX_LINE_QUANTITY:,}",
                    value=_quoted(row.quantity),
                ),
            )
        value: int | str | None
        if key == "product_id":
            value = _whole(row.key)
            if value is not None and not 1 <= value < 2**31:
                value = None  # no such id, and beyond what the database's integers hold
        else:
            value = str(row.key).strip() if row.key is not None else ""
        if value in (None, ""):
            bad(row.number, key, _('Missing or not valid: "%(value)s".', value=_quoted(row.key)))
        quantities[row.number], keys[row.number] = quantity, value
    product_of = _products_by(key, {v for v in keys.values() if v is not None and v != ""})
    names = {row.number: row.name for row in rows}
    lines: list[LineWanted] = []
    summed: dict[int, int] = defaultdict(int)
    for number, value in keys.items():
        if value is None or value == "":
            continue
        product = product_of.get(value)
        if product is None:
            bad(
                number,
                key,
                _(
                    'No product on sale with %(column)s "%(value)s".',
                    column=headers[key],
                    value=_quoted(value),
                ),
            )
            continue
        if not _same_name(names[number], product.name):
            bad(
                number,
                "product_name",
                _(
                    '%(column)s "%(value)s" is "%(name)s", not "%(written)s"; correct the one that is wrong.',
                    column=headers[key],
                    value=_quoted(value),
                    name=product.name,
                    written=_quoted(names[number]),
                ),
            )
        elif (quantity := quantities[number]) is not None and str(number) not in errors:
            summed[product.id] += quantity
            if summed[product.id] > MAX_LINE_QUANTITY >= summed[product.id] - quantity:
                bad(
                    number,
                    "quantity",
                    _(
                        "Rows of product %(product)s come to more than %(max)s by this row; one order "
                        "holds at most that many of one product.",
                        product=product.id,
                        max=f"{MAX_LINE_QUANTITY:,}",
                    ),
                )
            lines.append(LineWanted(product_id=product.id, quantity=quantity))
    if errors:
        raise InvalidField.rows(
            _(
                "%(bad)s of %(rows)s rows cannot be imported; nothing was changed.",
                bad=len(errors),
                rows=len(rows),
            ),
            errors,
        )
    # Asked again under the lock: the order, or the caller's role, may have changed during the parse.
    order = _order_for(actor, order_id, lock=True)
    _require_purchaser(actor, order)
    _require(order, PurchaseOrderStatus.DRAFT)
    count = _set_lines(order, lines, "file", "files")
    audit.record(order, "import_lines", actor.id, details={"rows": len(rows), "lines": count})
    if progress is not None:
        progress.finished(count)
    db.session.commit()
    return order


def _quoted(value: object) -> str:
    """A cell as a message quotes it: its text, cut short."""
    return str(value)[: imports.QUOTED]


def _comparable(name: str) -> str:
    """A name as a purchaser may type it: full-width letters and digits as half-width, any case,
    spaces anywhere."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _same_name(written: object, name: str) -> bool:
    """No name, or the product's name or a part of it ("奉节脐橙" for "奉节脐橙 10kg")."""
    if written is None or not str(written).strip():
        return True
    return _comparable(str(written)) in _comparable(name)


# ASCII digits only: str.isdigit() is true of "²" and "¹⁰", which int() then refuses.
WHOLE = re.compile(r"[0-9]{1,12}")


def _whole(value: object) -> int | None:
    """A whole number from a cell: 12, 12.0 or "12"; anything else (formulas included) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _on_sale(condition: ColumnElement[bool]) -> dict[int, OnSale]:
    """The listed products meeting `condition`, by id, as rows of what a line copies from them, its
    certificate_no the one valid today or None: one query, and no ORM objects, for an order may name
    20,000 products."""
    stmt = select(
        Product.id,
        Product.supplier_id,
        Product.name,
        Product.price_fen,
        label("certificate_no", Product.certificate_on(china_today())),
    ).where(Product.is_listed, condition)
    return {p.id: p for p in db.session.execute(stmt)}


def _products_by(key: str, values: set[int | str]) -> dict[int | str, OnSale]:
    """The products on sale an import's rows name, by what they name them by: their id (a whole
    number) or their certificate_no."""
    if not values:
        return {}
    if key == "product_id":
        ids = [v for v in values if isinstance(v, int)]  # all of them: ids are read as whole numbers
        found = _on_sale(in_ids(Product.id, ids)).values()
        return {p.id: p for p in found}
    found = _on_sale(Product.certificate_no.in_(values)).values()
    return {p.certificate_no: p for p in found if p.certificate_no is not None}
