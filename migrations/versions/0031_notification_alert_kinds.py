"""notifications: certificates expiring, alerts opened, the officers' weekly digest

Revision ID: 0031
Revises: 0030

Notifications link to the web app's pages; a certification's to its product's in the workbench, so
those stored before learn their product's id.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

BEFORE = (
    "'order_received', 'parcel_shipped', 'po_awaiting_approval', 'po_approved', 'po_rejected', "
    "'po_received', 'certification_decided'"
)
AFTER = BEFORE + ", 'certificate_expiring', 'alert_opened', 'alert_digest'"
PRODUCT_ID = "(SELECT product_id FROM certifications WHERE certifications.id = notifications.subject_id)"


def _kinds(allowed: str) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_notifications_kind"), sa.text(f"kind IN ({allowed})"))


def upgrade():
    _kinds(AFTER)
    if op.get_bind().dialect.name == "postgresql":
        with_product = f"(params::jsonb || jsonb_build_object('product_id', {PRODUCT_ID}))::json"
    else:
        with_product = f"json_set(params, '$.product_id', {PRODUCT_ID})"
    op.execute(f"UPDATE notifications SET params = {with_product} WHERE kind = 'certification_decided'")


def downgrade():
    op.execute(
        "DELETE FROM notifications WHERE kind IN ('certificate_expiring', 'alert_opened', 'alert_digest')"
    )
    _kinds(BEFORE)
