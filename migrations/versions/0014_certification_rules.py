"""certification rules per province, versioned; an application keeps the rule it was made under

Revision ID: 0014
Revises: 0013

Applications already made keep the stages they recorded and get the public-notice days configured
when this runs (CERTIFICATION_NOTICE_DAYS, 7 unless set otherwise): the rule they were made under.
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=9), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("notice_days BETWEEN 1 AND 30", name=op.f("ck_certification_rules_notice_days")),
        sa.ForeignKeyConstraint(
            ["province_code"], ["regions.code"], name=op.f("fk_certification_rules_province_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_certification_rules_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_rules")),
    )
    with op.batch_alter_table("certification_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_rules_province_in_force", ["province_code", "valid_from", "id"], unique=False
        )

    notice_days = str(current_app.config.get("CERTIFICATION_NOTICE_DAYS", 7))
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("notice_days", sa.Integer(), server_default=notice_days, nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certifications_rule_id_certification_rules"),
            "certification_rules",
            ["rule_id"],
            ["id"],
        )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.alter_column("notice_days", server_default=None)


def downgrade():
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certifications_rule_id_certification_rules"), type_="foreignkey"
        )
        batch_op.drop_column("notice_days")
        batch_op.drop_column("rule_id")
    with op.batch_alter_table("certification_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_rules_province_in_force")
    op.drop_table("certification_rules")
