"""purchase-order invoices carry their e-invoice file

Revision ID: 0030
Revises: 0029

A supplier's part keeps the key of its e-invoice in the file store and the file's type; a file only
with an invoice recorded, and a type with every file.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_file_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("invoice_file_type", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_po_supplier_parts_invoice_file_key"), ["invoice_file_key"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_po_supplier_parts_invoice_file_invoiced"),
            "invoice_file_key IS NULL OR invoice_no IS NOT NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_po_supplier_parts_invoice_file_typed"),
            "(invoice_file_key IS NULL) = (invoice_file_type IS NULL)",
        )


def downgrade():
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_po_supplier_parts_invoice_file_typed"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_po_supplier_parts_invoice_file_invoiced"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_po_supplier_parts_invoice_file_key"), type_="unique")
        batch_op.drop_column("invoice_file_type")
        batch_op.drop_column("invoice_file_key")
