"""a ledger report's total

Revision ID: 0017
Revises: 0016

A made report keeps the sum of its entries' amounts beside their count, so that its reader sees
what the file adds up to before opening it; those made before have none.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ledger_reports") as batch_op:
        batch_op.add_column(sa.Column("total_fen", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("ledger_reports") as batch_op:
        batch_op.drop_column("total_fen")
