"""the sales ledger, append-only

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only: % refused (write a negative entry instead)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("origin_county_code", sa.String(length=9), nullable=False),
        sa.Column("origin_city_code", sa.String(length=9), nullable=True),
        sa.Column("origin_province_code", sa.String(length=9), nullable=False),
        sa.Column("buyer_region_code", sa.String(length=9), nullable=False),
        sa.Column("buyer_city_code", sa.String(length=9), nullable=True),
        sa.Column("buyer_province_code", sa.String(length=9), nullable=False),
        sa.Column("delivery_region_code", sa.String(length=9), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("mechanism", sa.String(length=30), nullable=False),
        sa.Column("paired_purchase", sa.Boolean(), nullable=False),
        sa.Column("certificate_no", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "channel IN ('web', 'procurement', 'union', 'counter', 'hall', 'zone')",
            name=op.f("ck_ledger_entries_channel"),
        ),
        sa.CheckConstraint(
            "mechanism IN ('east_west', 'government_procurement', 'designated_assistance', 'social')",
            name=op.f("ck_ledger_entries_mechanism"),
        ),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_ledger_entries_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_ledger_entries_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("source_key", name=op.f("uq_ledger_entries_source_key")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_buyer_province_code"), ["buyer_province_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_origin_province_code"), ["origin_province_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_sale_date"), ["sale_date"], unique=False)
        batch_op.create_index(
            "ix_ledger_entries_sale_date_origin", ["sale_date", "origin_county_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_supplier_id"), ["supplier_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Append-only: no code path updates or deletes an entry, and the database refuses it too.
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
            "FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries")
        op.execute("DROP FUNCTION IF EXISTS ledger_entries_append_only()")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_supplier_id"))
        batch_op.drop_index("ix_ledger_entries_sale_date_origin")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_sale_date"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_product_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_origin_province_code"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_buyer_province_code"))

    op.drop_table("ledger_entries")
