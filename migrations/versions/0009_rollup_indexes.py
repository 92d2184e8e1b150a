"""rollup indexes for channel targets and whole-year tallies

Revision ID: 0009
Revises: 0008
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_ledger_monthly_channel", "ledger_monthly", ["channel", "origin_province_code", "month"]
    )
    op.create_index(
        "ix_ledger_monthly_month_county",
        "ledger_monthly",
        ["month", "origin_county_code"],
        postgresql_include=["amount_fen", "quantity", "weight_g", "entries"],
    )


def downgrade():
    op.drop_index("ix_ledger_monthly_month_county", table_name="ledger_monthly")
    op.drop_index("ix_ledger_monthly_channel", table_name="ledger_monthly")
