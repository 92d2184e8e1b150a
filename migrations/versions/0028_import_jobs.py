"""purchase-order line imports as background jobs

Revision ID: 0028
Revises: 0027

One row per uploaded file: its bytes until the task has read them, its progress, and how it ended;
at most one at work per order (a partial unique index).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

STATES = "'queued', 'reading', 'checking', 'succeeded', 'failed'"
ACTIVE = "state IN ('queued', 'reading', 'checking')"


def upgrade():
    op.create_table(
        "po_import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("lines", sa.Integer(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"state IN ({STATES})", name=op.f("ck_po_import_jobs_state")),
        sa.CheckConstraint("rows_done >= 0", name=op.f("ck_po_import_jobs_rows_done_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_po_import_jobs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_po_import_jobs_order_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_import_jobs")),
    )
    with op.batch_alter_table("po_import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_po_import_jobs_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "uq_po_import_jobs_order_id_active",
            ["order_id"],
            unique=True,
            postgresql_where=sa.text(ACTIVE),
            sqlite_where=sa.text(ACTIVE),
        )


def downgrade():
    with op.batch_alter_table("po_import_jobs", schema=None) as batch_op:
        batch_op.drop_index("uq_po_import_jobs_order_id_active")
        batch_op.drop_index(batch_op.f("ix_po_import_jobs_order_id"))
    op.drop_table("po_import_jobs")
