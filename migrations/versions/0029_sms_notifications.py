"""SMS as a notification channel: each user's switch and mobile number, and each message sent

Revision ID: 0029
Revises: 0028

notification_settings gains `sms` (off for everyone until they turn it on) and the mobile number it
goes to; sms_deliveries keeps one row per notification texted, claimed before it is sent, so that no
notification is texted twice.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification_settings") as batch:
        batch.add_column(sa.Column("sms", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("mobile", sa.String(length=11), nullable=True))
        batch.create_check_constraint(
            op.f("ck_notification_settings_mobile_11_digits"), "length(mobile) = 11"
        )
        batch.create_check_constraint(
            op.f("ck_notification_settings_sms_needs_mobile"), "NOT sms OR mobile IS NOT NULL"
        )
    op.create_table(
        "sms_deliveries",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'failed', 'refused')", name=op.f("ck_sms_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_sms_deliveries_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_sms_deliveries")),
    )


def downgrade():
    op.drop_table("sms_deliveries")
    with op.batch_alter_table("notification_settings") as batch:
        batch.drop_constraint(op.f("ck_notification_settings_sms_needs_mobile"), type_="check")
        batch.drop_constraint(op.f("ck_notification_settings_mobile_11_digits"), type_="check")
        batch.drop_column("mobile")
        batch.drop_column("sms")
