"""fapiao requests: the address word of the issued e-invoice is mailed to

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fapiao_requests") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("fapiao_requests") as batch_op:
        batch_op.drop_column("email")
