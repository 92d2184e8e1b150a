"""agencies, filings and purchase orders

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=9), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("approval_tiers_fen", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('government', 'school', 'hospital', 'state_enterprise', 'union')",
            name=op.f("ck_agencies_kind"),
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["agencies.id"], name=op.f("fk_agencies_parent_id_agencies")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_agencies_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("uscc", name=op.f("uq_agencies_uscc")),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agencies_region_code"), ["region_code"], unique=False)

    op.create_table(
        "agency_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("food_budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("reserved_share_bp", sa.Integer(), nullable=False),
        sa.Column("exemption", sa.String(length=20), nullable=True),
        sa.Column("exemption_note", sa.Text(), nullable=True),
        sa.Column("covered_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("gift_budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("gift_share_bp", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "exemption IS NULL OR exemption IN ('no_canteen', 'shared_canteen')",
            name=op.f("ck_agency_filings_exemption"),
        ),
        sa.CheckConstraint("status IN ('filed', 'returned')", name=op.f("ck_agency_filings_status")),
        sa.CheckConstraint(
            "food_budget_fen >= 0 AND gift_budget_fen >= 0",
            name=op.f("ck_agency_filings_budgets_not_negative"),
        ),
        sa.CheckConstraint(
            "reserved_share_bp BETWEEN 0 AND 10000 AND gift_share_bp BETWEEN 0 AND 10000",
            name=op.f("ck_agency_filings_shares_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_filings_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["covered_by_agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_filings_covered_by_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_agency_filings_filed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_filings")),
        sa.UniqueConstraint("agency_id", "year", name=op.f("uq_agency_filings_agency_id_year")),
    )
    with op.batch_alter_table("agency_filings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_filings_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "agency_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.CheckConstraint("role IN ('purchaser', 'approver')", name=op.f("ck_agency_members_role")),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_members_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agency_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_members")),
        sa.UniqueConstraint(
            "agency_id", "user_id", "role", name=op.f("uq_agency_members_agency_id_user_id_role")
        ),
    )
    with op.batch_alter_table("agency_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_members_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agency_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delivery_address", sa.String(length=200), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("stock_held", sa.Boolean(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'confirmed', 'shipped', 'received', 'invoiced', 'paid', 'rejected', 'cancelled')",
            name=op.f("ck_purchase_orders_status"),
        ),
        sa.CheckConstraint("paid_fen >= 0", name=op.f("ck_purchase_orders_paid_not_negative")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_purchase_orders_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_purchase_orders_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_orders_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_orders_paid_on"), ["paid_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_orders_status"), ["status"], unique=False)

    op.create_table(
        "po_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["users.id"], name=op.f("fk_po_approvals_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_approvals_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_approvals")),
        sa.UniqueConstraint("order_id", "approver_id", name=op.f("uq_po_approvals_order_id_approver_id")),
    )
    with op.batch_alter_table("po_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_po_approvals_order_id"), ["order_id"], unique=False)

    op.create_table(
        "po_bank_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_po_bank_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_bank_payments_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_po_bank_payments_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_bank_payments")),
        sa.UniqueConstraint("reference", name=op.f("uq_po_bank_payments_reference")),
    )
    with op.batch_alter_table("po_bank_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_po_bank_payments_order_id"), ["order_id"], unique=False)

    op.create_table(
        "po_supplier_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("carrier", sa.String(length=50), nullable=True),
        sa.Column("tracking_no", sa.String(length=50), nullable=True),
        sa.Column("invoice_no", sa.String(length=40), nullable=True),
        sa.Column("invoice_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting', 'confirmed', 'declined', 'shipped')",
            name=op.f("ck_po_supplier_parts_status"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_po_supplier_parts_rating")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_supplier_parts_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_po_supplier_parts_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_supplier_parts")),
        sa.UniqueConstraint(
            "order_id", "supplier_id", name=op.f("uq_po_supplier_parts_order_id_supplier_id")
        ),
    )
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_po_supplier_parts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_po_supplier_parts_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("certificate_no", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("quantity_received", sa.BigInteger(), nullable=True),
        sa.Column("inspection_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'confirmed', 'declined')", name=op.f("ck_purchase_order_lines_status")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "quantity_received IS NULL OR quantity_received BETWEEN 0 AND quantity",
            name=op.f("ck_purchase_order_lines_received_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_purchase_order_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_order_lines_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
    )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_order_lines_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_order_lines_product_id"), ["product_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_order_lines_supplier_id"), ["supplier_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_order_lines_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_order_lines_product_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_order_lines_order_id"))

    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_po_supplier_parts_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_po_supplier_parts_order_id"))

    op.drop_table("po_supplier_parts")
    with op.batch_alter_table("po_bank_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_po_bank_payments_order_id"))

    op.drop_table("po_bank_payments")
    with op.batch_alter_table("po_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_po_approvals_order_id"))

    op.drop_table("po_approvals")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_orders_status"))
        batch_op.drop_index(batch_op.f("ix_purchase_orders_paid_on"))
        batch_op.drop_index(batch_op.f("ix_purchase_orders_agency_id"))

    op.drop_table("purchase_orders")
    with op.batch_alter_table("agency_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_agency_members_agency_id"))

    op.drop_table("agency_members")
    with op.batch_alter_table("agency_filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_filings_agency_id"))

    op.drop_table("agency_filings")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_region_code"))
        batch_op.drop_index(batch_op.f("ix_agencies_parent_id"))

    op.drop_table("agencies")
