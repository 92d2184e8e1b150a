"""product images' thumbnails

Revision ID: 0026
Revises: 0025

A product image is now stored twice, made once at upload: the photo scaled to a bounded long edge,
and a thumbnail of it under a key of its own. Images uploaded before have none (null), and their
thumbnail is the image itself.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thumbnail_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_product_images_thumbnail_key"), ["thumbnail_key"])


def downgrade():
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_product_images_thumbnail_key"), type_="unique")
        batch_op.drop_column("thumbnail_key")
