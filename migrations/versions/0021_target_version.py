"""a target's version, raised by every change to it

Revision ID: 0021
Revises: 0020

The progress ETag read the latest audit event about targets to see one changed; the audit trail is
written, never read for rules (issue 16). The targets now say it themselves.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("targets") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("targets") as batch_op:
        batch_op.drop_column("version")
