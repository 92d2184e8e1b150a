"""alerts worded when read; a ledger report's language

Revision ID: 0015
Revises: 0014

An alert keeps the figures its text is made of (`params`) and is worded in its reader's language;
the alerts raised before keep their English `message` (new ones store none). A ledger report
records the language its file was written in: the monthly ones, and those made before, zh-CN.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.alter_column("message", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("ledger_reports") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=False, server_default="zh-CN"))


def downgrade():
    with op.batch_alter_table("ledger_reports") as batch_op:
        batch_op.drop_column("locale")
    op.execute("UPDATE alerts SET message = '' WHERE message IS NULL")
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.alter_column("message", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("params")
