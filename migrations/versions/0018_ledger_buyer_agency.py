"""the agency a procurement entry was bought by

Revision ID: 0018
Revises: 0017

A purchase order's ledger entries name the agency that bought, so that a reserved-share quota is a
sum over the ledger like every other tally. Entries written before are filled in from the purchase
order line their source key names ("po_line:<id>:paid"); on PostgreSQL the append-only trigger is
held off for that one statement, in this migration's transaction.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE ledger_entries SET buyer_agency_id = (
    SELECT purchase_orders.agency_id
    FROM purchase_order_lines JOIN purchase_orders ON purchase_orders.id = purchase_order_lines.order_id
    WHERE 'po_line:' || purchase_order_lines.id || ':' || 'paid' = ledger_entries.source_key
)
WHERE source_key LIKE 'po_line:%'
"""


def upgrade():
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.add_column(sa.Column("buyer_agency_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ledger_entries_buyer_agency_id_agencies"), "agencies", ["buyer_agency_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_buyer_agency_id"), ["buyer_agency_id"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
    op.execute(BACKFILL)
    if postgresql:
        op.execute("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only")


def downgrade():
    with op.batch_alter_table("ledger_entries") as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_buyer_agency_id"))
        batch_op.drop_constraint(batch_op.f("fk_ledger_entries_buyer_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_column("buyer_agency_id")
