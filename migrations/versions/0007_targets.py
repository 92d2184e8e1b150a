"""targets

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("buyer_region_code", sa.String(length=9), nullable=True),
        sa.Column("origin_region_code", sa.String(length=9), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("mechanism", sa.String(length=30), nullable=True),
        sa.Column("certified_only", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_targets_amount_positive")),
        sa.CheckConstraint("period_end > period_start", name=op.f("ck_targets_period")),
        sa.ForeignKeyConstraint(
            ["buyer_region_code"], ["regions.code"], name=op.f("fk_targets_buyer_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["origin_region_code"], ["regions.code"], name=op.f("fk_targets_origin_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )


def downgrade():
    op.drop_table("targets")
