"""after-sales requests and their photos; fapiao requests

Revision ID: 0022
Revises: 0021

A buyer asks one supplier for lines of a paid order back; at most one open request per order and
supplier (a partial unique index); an accepted one keeps the refund it ran. A fapiao request is
one per supplier's part of an order (fulfilment), and keeps the e-invoice's number and file.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "after_sales_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'accepted', 'rejected', 'withdrawn')",
            name=op.f("ck_after_sales_requests_status"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_after_sales_requests_amount_positive")),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["users.id"], name=op.f("fk_after_sales_requests_buyer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_after_sales_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_after_sales_requests_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_after_sales_requests_refund_id_refunds")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_after_sales_requests_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_after_sales_requests")),
    )
    with op.batch_alter_table("after_sales_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_after_sales_requests_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_after_sales_requests_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_after_sales_requests_supplier_id"), ["supplier_id"], unique=False
        )
        batch_op.create_index(
            "uq_after_sales_open",
            ["order_id", "supplier_id"],
            unique=True,
            postgresql_where=sa.text("status = 'requested'"),
            sqlite_where=sa.text("status = 'requested'"),
        )

    op.create_table(
        "after_sales_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["after_sales_requests.id"],
            name=op.f("fk_after_sales_photos_request_id_after_sales_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_after_sales_photos")),
        sa.UniqueConstraint("key", name=op.f("uq_after_sales_photos_key")),
    )
    with op.batch_alter_table("after_sales_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_after_sales_photos_request_id"), ["request_id"], unique=False)

    op.create_table(
        "fapiao_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fulfilment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("tax_id", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invoice_no", sa.String(length=40), nullable=True),
        sa.Column("file_key", sa.String(length=64), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('requested', 'issued')", name=op.f("ck_fapiao_requests_status")),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_fapiao_requests_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["fulfilment_id"], ["fulfilments.id"], name=op.f("fk_fapiao_requests_fulfilment_id_fulfilments")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_fapiao_requests_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_fapiao_requests_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fapiao_requests")),
        sa.UniqueConstraint("file_key", name=op.f("uq_fapiao_requests_file_key")),
        sa.UniqueConstraint("fulfilment_id", name=op.f("uq_fapiao_requests_fulfilment_id")),
    )
    with op.batch_alter_table("fapiao_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fapiao_requests_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fapiao_requests_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fapiao_requests_supplier_id"), ["supplier_id"], unique=False)


def downgrade():
    with op.batch_alter_table("fapiao_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fapiao_requests_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_fapiao_requests_order_id"))
        batch_op.drop_index(batch_op.f("ix_fapiao_requests_buyer_id"))

    op.drop_table("fapiao_requests")

    with op.batch_alter_table("after_sales_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_after_sales_photos_request_id"))

    op.drop_table("after_sales_photos")
    with op.batch_alter_table("after_sales_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_after_sales_open",
            postgresql_where=sa.text("status = 'requested'"),
            sqlite_where=sa.text("status = 'requested'"),
        )
        batch_op.drop_index(batch_op.f("ix_after_sales_requests_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_after_sales_requests_order_id"))
        batch_op.drop_index(batch_op.f("ix_after_sales_requests_buyer_id"))

    op.drop_table("after_sales_requests")
