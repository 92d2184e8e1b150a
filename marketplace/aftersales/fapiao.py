"""Fapiao (发票) requests: the buyer asks for the invoice of one supplier's part of a paid order, with
its title and, for a company, its tax id; the supplier answers by uploading the e-invoice."""

import re
import uuid
from typing import Any

from sqlalchemy import Select, false, or_, select

from marketplace import mail
from marketplace.accounts.models import User
from marketplace.aftersales.models import FapiaoRequest, FapiaoStatus
from marketplace.audit import services as audit
from marketplace.catalog.services import TooLarge
from marketplace.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _, name_of
from marketplace.orders.models import ORDER_STATUS_NAMES, Fulfilment, Order, OrderStatus
from marketplace.storage import storage
from marketplace.suppliers.services import member_supplier_ids
from marketplace.timeutil import now

INVOICE_MAX_BYTES = 5 * 1024 * 1024
# A taxpayer's id: the 18-character unified social credit code, or the older 15, 17 or 20.
TAX_ID = re.compile(r"[0-9A-Z]{15}|[0-9A-Z]{17,18}|[0-9A-Z]{20}")
INVOICE_TYPES = {"application/pdf": "pdf", "application/ofd": "ofd"}
FAPIAO_ISSUED = "aftersales.fapiao_issued"


class UnsupportedInvoice(DomainError):
    status = 415
    error_code = "unsupported_invoice"


def sniff_invoice(data: bytes) -> str | None:
    """PDF, or OFD (China's e-invoice format, a zip) told by its bytes."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return "application/ofd"
    return None


def request_fapiao(
    buyer: User, fulfilment_id: int, title: str, tax_id: str | None, email: str | None = None
) -> FapiaoRequest:
    """Only the order's buyer, on a paid order, once per supplier's part; word of the e-invoice is
    mailed to `email` (the buyer's own address if none) when it is issued."""
    fulfilment = db.session.get(Fulfilment, fulfilment_id)
    order = fulfilment.order if fulfilment else None
    if fulfilment is None or order is None or not _sees(buyer, order.buyer_id, fulfilment.supplier_id):
        raise NotFound(_("No fulfilment %(id)s.", id=fulfilment_id))
    if order.buyer_id != buyer.id:
        raise Forbidden(_("Only the buyer of an order asks for its fapiao."))
    if order.status not in (OrderStatus.PAID, OrderStatus.COMPLETED):
        raise Conflict(
            _("A %(status)s order has no fapiao.", status=name_of(ORDER_STATUS_NAMES, order.status))
        )
    if tax_id is not None and not TAX_ID.fullmatch(tax_id):
        raise InvalidField(
            "tax_id", _("A tax id is the 18-character unified social credit code (or 15, 17 or 20).")
        )
    if db.session.scalar(select(FapiaoRequest.id).where(FapiaoRequest.fulfilment_id == fulfilment_id)):
        raise Conflict(_("The fapiao of this part of the order has been asked for already."))
    fapiao = FapiaoRequest(
        fulfilment_id=fulfilment.id,
        order_id=order.id,
        supplier_id=fulfilment.supplier_id,
        buyer_id=buyer.id,
        title=title,
        tax_id=tax_id,
        email=email,
    )
    db.session.add(fapiao)
    db.session.flush()
    audit.record(fapiao, "request", buyer.id, to_status=FapiaoStatus.REQUESTED)
    db.session.commit()
    return fapiao


def _sees(actor: User, buyer_id: int, supplier_id: int) -> bool:
    return actor.is_admin or buyer_id == actor.id or supplier_id in member_supplier_ids(actor)


def list_fapiao(
    actor: User, status: str | None, supplier_id: int | None = None, order_id: int | None = None
) -> Select[Any]:
    """The buyer's own requests and those to the caller's suppliers (of one order if asked); every
    one for an admin. With `supplier_id`, only those to that supplier (none if it is not the caller's)."""
    query = select(FapiaoRequest).order_by(FapiaoRequest.id.desc())
    mine = None if actor.is_admin else member_supplier_ids(actor)
    if supplier_id is not None:
        # As that supplier's member: its requests only, not those the caller made as a buyer.
        query = query.where(FapiaoRequest.supplier_id == supplier_id)
        if mine is not None and supplier_id not in mine:
            query = query.where(false())
    elif mine is not None:
        query = query.where(or_(FapiaoRequest.buyer_id == actor.id, FapiaoRequest.supplier_id.in_(mine)))
    if status:
        query = query.where(FapiaoRequest.status == status)
    if order_id is not None:
        query = query.where(FapiaoRequest.order_id == order_id)
    return query


def get_fapiao(actor: User, fapiao_id: int, *, lock: bool = False) -> FapiaoRequest:
    query = select(FapiaoRequest).where(FapiaoRequest.id == fapiao_id)
    fapiao = db.session.scalar(query.with_for_update() if lock else query)
    if fapiao is None or not _sees(actor, fapiao.buyer_id, fapiao.supplier_id):
        raise NotFound(_("No fapiao request %(id)s.", id=fapiao_id))
    if lock:
        db.session.refresh(fapiao)
    return fapiao


def issue(actor: User, fapiao_id: int, invoice_no: str, data: bytes) -> FapiaoRequest:
    """The supplier (or an admin) uploads the e-invoice with its number; once."""
    fapiao = get_fapiao(actor, fapiao_id, lock=True)
    if not (actor.is_admin or fapiao.supplier_id in member_supplier_ids(actor)):
        raise Forbidden(_("The supplier issues the fapiao."))
    if fapiao.status != FapiaoStatus.REQUESTED:
        raise Conflict(_("This fapiao has been issued already."))
    if len(data) > INVOICE_MAX_BYTES:
        raise TooLarge(_("An invoice file may be at most %(kib)s KiB.", kib=INVOICE_MAX_BYTES // 1024))
    content_type = sniff_invoice(data)
    if content_type is None:
        raise UnsupportedInvoice(_("An e-invoice is a PDF or OFD file."))
    key = f"{uuid.uuid4().hex}.{INVOICE_TYPES[content_type]}"
    storage().save(key, data)
    fapiao.status, fapiao.invoice_no, fapiao.issued_at = FapiaoStatus.ISSUED, invoice_no, now()
    fapiao.file_key, fapiao.content_type = key, content_type
    audit.record(
        fapiao,
        "issue",
        actor.id,
        from_status=FapiaoStatus.REQUESTED,
        to_status=FapiaoStatus.ISSUED,
        details={"invoice_no": invoice_no},
    )
    mail.queue(FAPIAO_ISSUED, fapiao_id=fapiao.id)
    db.session.commit()
    return fapiao


def read_invoice(actor: User, fapiao_id: int) -> tuple[bytes, str, str]:
    """The e-invoice's bytes, type and a file name, to the buyer, the supplier and admins."""
    fapiao = get_fapiao(actor, fapiao_id)
    data = storage().read(fapiao.file_key) if fapiao.file_key else None
    if data is None or fapiao.content_type is None:
        raise NotFound(_("The fapiao of request %(id)s has not been issued yet.", id=fapiao_id))
    return data, fapiao.content_type, f"fapiao-{fapiao.invoice_no}.{INVOICE_TYPES[fapiao.content_type]}"


def view(fapiao: FapiaoRequest) -> dict[str, Any]:
    """The request with the amount it invoices: the part's lines as paid, less what was refunded."""
    order = db.session.get_one(Order, fapiao.order_id)
    amount = sum(
        line.unit_price_fen * (line.quantity - line.refunded_quantity)
        for line in order.lines
        if line.fulfilment_id == fapiao.fulfilment_id
    )
    return {"fapiao": fapiao, "amount_fen": amount}


@mail.template(FAPIAO_ISSUED)
def fapiao_issued(fapiao_id: int) -> mail.Mail | None:
    """Word to the buyer that the e-invoice is ready, at the address the request gave, in the buyer's
    language, with a link to the order it is downloaded from."""
    fapiao = db.session.get(FapiaoRequest, fapiao_id)
    buyer = db.session.get(User, fapiao.buyer_id) if fapiao else None
    if fapiao is None or buyer is None or not buyer.is_active:
        return None
    with mail.in_language(buyer.locale):
        return mail.Mail(
            to=fapiao.email or buyer.email,
            subject=_("Your fapiao for order %(order)s is issued", order=fapiao.order_id),
            text=_(
                "The e-invoice %(number)s titled %(title)s is ready to download from your order:",
                number=fapiao.invoice_no,
                title=fapiao.title,
            )
            + "\n\n"
            + mail.link(f"/orders/{fapiao.order_id}")
            + "\n",
        )
