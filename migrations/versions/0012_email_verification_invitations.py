"""email verification and invitations to suppliers and agencies

Revision ID: 0012
Revises: 0011

Existing accounts stay unverified: nothing proved their addresses, so they verify like new ones
before anything more is granted to them by email. Memberships they hold are kept.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('supplier_member', 'agency_member')", name=op.f("ck_invitations_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'revoked')", name=op.f("ck_invitations_status")
        ),
        sa.CheckConstraint(
            "(kind = 'supplier_member' AND supplier_id IS NOT NULL AND agency_id IS NULL AND role IS NULL)"
            " OR (kind = 'agency_member' AND agency_id IS NOT NULL AND supplier_id IS NULL"
            " AND role IN ('purchaser', 'approver'))",
            name=op.f("ck_invitations_target"),
        ),
        sa.CheckConstraint(
            "status <> 'accepted' OR accepted_by_id IS NOT NULL", name=op.f("ck_invitations_accepted_by")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_invitations_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_invitations_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_invitations_accepted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_supplier_id"), ["supplier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            "uq_invitations_pending",
            [
                "email",
                "kind",
                sa.text("coalesce(supplier_id, 0)"),
                sa.text("coalesce(agency_id, 0)"),
                sa.text("coalesce(role, '')"),
            ],
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )


def downgrade():
    op.drop_table("invitations")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
