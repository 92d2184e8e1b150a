"""regions, pairings, users and role grants

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_code", sa.String(length=9), nullable=True),
        sa.Column("province_code", sa.String(length=9), nullable=False),
        sa.Column("city_code", sa.String(length=9), nullable=True),
        sa.Column("county_code", sa.String(length=9), nullable=True),
        sa.Column("national_key_county", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("deep_poverty", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("exited_year", sa.Integer(), nullable=True),
        sa.CheckConstraint("level IN ('province', 'city', 'county', 'town')", name=op.f("ck_regions_level")),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"], name=op.f("fk_regions_parent_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_city_code"), ["city_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_level"), ["level"], unique=False)
        batch_op.create_index("ix_regions_parent_code_name", ["parent_code", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_regions_province_code"), ["province_code"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helper_region_code", sa.String(length=9), nullable=False),
        sa.Column("assisted_region_code", sa.String(length=9), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("since", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.CheckConstraint("role IN ('lead', 'assisting')", name=op.f("ck_pairings_role")),
        sa.CheckConstraint(
            "helper_region_code <> assisted_region_code", name=op.f("ck_pairings_distinct_regions")
        ),
        sa.ForeignKeyConstraint(
            ["assisted_region_code"], ["regions.code"], name=op.f("fk_pairings_assisted_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["helper_region_code"], ["regions.code"], name=op.f("fk_pairings_helper_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairings")),
        sa.UniqueConstraint(
            "helper_region_code",
            "assisted_region_code",
            name=op.f("uq_pairings_helper_region_code_assisted_region_code"),
        ),
    )
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pairings_assisted_region_code"), ["assisted_region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pairings_helper_region_code"), ["helper_region_code"], unique=False
        )

    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=9), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "role <> 'region_officer' OR region_code IS NOT NULL",
            name=op.f("ck_role_grants_officer_has_region"),
        ),
        sa.CheckConstraint("role IN ('admin', 'region_officer')", name=op.f("ck_role_grants_role")),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_role_grants_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_role_grants_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_role_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grants")),
    )
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grants_user_id"), ["user_id"], unique=False)
    # One admin grant per user (no region), one officer grant per user and region.
    op.create_index(
        "uq_role_grants_user_role_region",
        "role_grants",
        ["user_id", "role", sa.text("coalesce(region_code, '')")],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_role_grants_user_role_region", table_name="role_grants")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grants_user_id"))

    op.drop_table("role_grants")
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairings_helper_region_code"))
        batch_op.drop_index(batch_op.f("ix_pairings_assisted_region_code"))

    op.drop_table("pairings")
    op.drop_table("users")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_province_code"))
        batch_op.drop_index("ix_regions_parent_code_name")
        batch_op.drop_index(batch_op.f("ix_regions_level"))
        batch_op.drop_index(batch_op.f("ix_regions_county_code"))
        batch_op.drop_index(batch_op.f("ix_regions_city_code"))

    op.drop_table("regions")
