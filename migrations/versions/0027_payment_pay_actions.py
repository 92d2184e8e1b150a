"""what a buyer opens to pay: a QR code's content or a page

Revision ID: 0027
Revises: 0026

Providers that are paid outside the shop's page answer with what the buyer opens: WeChat Pay's
Native code_url (shown as a QR code to scan) or its H5 h5_url (a page the phone's browser opens).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_code", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("redirect_url", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("redirect_url")
        batch_op.drop_column("qr_code")
