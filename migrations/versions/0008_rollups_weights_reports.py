"""rollups, weights, reports

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ledger_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("origin_county_code", sa.String(length=9), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("mechanism", sa.String(length=30), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("buyer_province_code", sa.String(length=9), nullable=False),
        sa.Column("origin_city_code", sa.String(length=9), nullable=False),
        sa.Column("origin_province_code", sa.String(length=9), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("weight_g", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "origin_county_code",
            "category_code",
            "channel",
            "mechanism",
            "certified",
            "buyer_province_code",
            name=op.f("pk_ledger_monthly"),
        ),
    )
    op.create_index(
        "ix_ledger_monthly_pairing",
        "ledger_monthly",
        ["buyer_province_code", "origin_province_code", "month"],
        unique=False,
    )
    op.create_index(
        "ix_ledger_monthly_origin_county", "ledger_monthly", ["origin_county_code", "month"], unique=False
    )
    op.create_table(
        "ledger_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("region_code", sa.String(length=9), nullable=True),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=120), nullable=True),
        sa.Column("entries", sa.BigInteger(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("format IN ('xlsx', 'csv')", name=op.f("ck_ledger_reports_format")),
        sa.CheckConstraint("status IN ('pending', 'ready', 'failed')", name=op.f("ck_ledger_reports_status")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_ledger_reports_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_ledger_reports_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_reports")),
    )
    with op.batch_alter_table("ledger_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_reports_month_scope", ["month", "region_code", "format"], unique=False
        )

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.alter_column("region_code", existing_type=sa.VARCHAR(length=9), nullable=True)

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_g", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("net_weight_g", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_g", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("category_code", sa.String(length=40), nullable=True))
        batch_op.alter_column("amount_fen", existing_type=sa.BIGINT(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_targets_category_code_categories"), "categories", ["category_code"], ["code"]
        )
        batch_op.drop_constraint(batch_op.f("ck_targets_amount_positive"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_targets_one_goal"),
            sa.text("(amount_fen > 0 AND weight_g IS NULL) OR (weight_g > 0 AND amount_fen IS NULL)"),
        )

    # The entries written before the rollup existed.
    month = (
        "CAST(date_trunc('month', sale_date) AS DATE)"
        if op.get_bind().dialect.name == "postgresql"
        else "date(sale_date, 'start of month')"
    )
    op.execute(
        f"""
        INSERT INTO ledger_monthly (month, origin_county_code, category_code, channel,
            mechanism, certified, buyer_province_code, origin_city_code, origin_province_code,
            amount_fen, quantity, weight_g, entries)
        SELECT {month}, origin_county_code, category_code, channel,
            mechanism, certificate_no IS NOT NULL, buyer_province_code, MIN(COALESCE(origin_city_code, '')),
            MIN(origin_province_code), SUM(amount_fen), SUM(quantity), COALESCE(SUM(weight_g), 0), COUNT(*)
        FROM ledger_entries
        GROUP BY {month}, origin_county_code, category_code, channel,
            mechanism, certificate_no IS NOT NULL, buyer_province_code
        """
    )


def downgrade():
    op.execute("DELETE FROM targets WHERE amount_fen IS NULL")
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_targets_one_goal"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_targets_amount_positive"), sa.text("amount_fen > 0"))
        batch_op.drop_constraint(batch_op.f("fk_targets_category_code_categories"), type_="foreignkey")
        batch_op.alter_column("amount_fen", existing_type=sa.BIGINT(), nullable=False)
        batch_op.drop_column("category_code")
        batch_op.drop_column("weight_g")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("net_weight_g")

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("weight_g")

    op.execute("DELETE FROM alerts WHERE region_code IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("region_code", existing_type=sa.VARCHAR(length=9), nullable=False)
        batch_op.drop_column("details")

    with op.batch_alter_table("ledger_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_reports_month_scope")

    op.drop_table("ledger_reports")
    op.drop_table("ledger_monthly")
