"""who resolved an alert by hand

Revision ID: 0016
Revises: 0015

An officer or admin who marks an alert handled (处理完毕) is recorded; the daily task does not open
such an alert again for the same episode, as it does one it resolved itself when its cause went.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_resolved_by_id_users"), "users", ["resolved_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_resolved_by_id_users"), type_="foreignkey")
        batch_op.drop_column("resolved_by_id")
