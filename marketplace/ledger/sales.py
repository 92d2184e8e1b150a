"""A supplier's own sales by month, summed over the ledger like every tally: money received for its
products (web orders paid, purchase orders paid), less what was refunded, in the month it moved."""

from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.ledger.models import LedgerEntry
from marketplace.ledger.tallies import month_of
from marketplace.suppliers.services import managed_by_members


def supplier_sales(actor: User, supplier_id: int, year: int) -> dict[str, Any]:
    """Each month of `year` (all twelve, China time) with the supplier's net sales and its refunds,
    and the year's totals: to its members and admins."""
    supplier = managed_by_members(
        actor, supplier_id, _("Only its members and admins may read a supplier's sales.")
    )
    month = month_of(LedgerEntry).label("month")
    refunded = case((LedgerEntry.amount_fen < 0, -LedgerEntry.amount_fen), else_=0)
    rows = db.session.execute(
        select(
            month,
            func.sum(LedgerEntry.amount_fen),
            func.sum(refunded),
            func.count(),
        )
        .where(
            LedgerEntry.supplier_id == supplier.id,
            LedgerEntry.sale_date >= date(year, 1, 1),
            LedgerEntry.sale_date < date(year + 1, 1, 1),
        )
        .group_by(month)
    ).all()
    found = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}
    by_month = []
    for number in range(1, 13):
        key = f"{year}-{number:02d}"
        amount, refunds, entries = found.get(key, (0, 0, 0))
        by_month.append({"month": key, "amount_fen": amount, "refunded_fen": refunds, "entries": entries})
    return {
        "supplier_id": supplier.id,
        "year": year,
        "amount_fen": sum(m["amount_fen"] for m in by_month),
        "refunded_fen": sum(m["refunded_fen"] for m in by_month),
        "entries": sum(m["entries"] for m in by_month),
        "by_month": by_month,
    }
