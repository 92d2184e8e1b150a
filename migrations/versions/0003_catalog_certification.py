"""catalog, certification, alerts

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# The category tree, frozen here as reference data.
CATEGORIES = [
    {"code": "fruit", "name": "鲜果", "parent_code": None},
    {"code": "fruit.citrus", "name": "柑橘橙柚", "parent_code": "fruit"},
    {"code": "fruit.kiwi", "name": "猕猴桃", "parent_code": "fruit"},
    {"code": "fruit.plum_peach", "name": "李桃", "parent_code": "fruit"},
    {"code": "fruit.apple_pear", "name": "苹果梨", "parent_code": "fruit"},
    {"code": "fruit.other", "name": "其他鲜果", "parent_code": "fruit"},
    {"code": "vegetables", "name": "蔬菜", "parent_code": None},
    {"code": "vegetables.tubers", "name": "薯类", "parent_code": "vegetables"},
    {"code": "vegetables.fresh", "name": "时令蔬菜", "parent_code": "vegetables"},
    {"code": "grain_oil", "name": "粮油", "parent_code": None},
    {"code": "grain_oil.rice_flour", "name": "米面杂粮", "parent_code": "grain_oil"},
    {"code": "grain_oil.oil", "name": "食用油", "parent_code": "grain_oil"},
    {"code": "meat_eggs", "name": "肉禽蛋", "parent_code": None},
    {"code": "meat_eggs.cured", "name": "腊肉腌腊", "parent_code": "meat_eggs"},
    {"code": "meat_eggs.fresh", "name": "鲜肉禽蛋", "parent_code": "meat_eggs"},
    {"code": "tea", "name": "茶叶", "parent_code": None},
    {"code": "dried_goods", "name": "干货山珍", "parent_code": None},
    {"code": "dried_goods.fungi", "name": "菌菇木耳", "parent_code": "dried_goods"},
    {"code": "dried_goods.nuts_spices", "name": "坚果香料", "parent_code": "dried_goods"},
    {"code": "herbs", "name": "中药材", "parent_code": None},
    {"code": "processed_food", "name": "加工食品", "parent_code": None},
    {"code": "honey", "name": "蜂蜜", "parent_code": None},
    {"code": "handicrafts", "name": "手工艺品", "parent_code": None},
]


def upgrade():
    categories = op.create_table(
        "categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["categories.code"], name=op.f("fk_categories_parent_code_categories")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.bulk_insert(categories, CATEGORIES)
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=9), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_alerts_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_alerts_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "kind",
            "subject_type",
            "subject_id",
            "due_on",
            name=op.f("uq_alerts_kind_subject_type_subject_id_due_on"),
        ),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.BigInteger(), nullable=False),
        sa.Column("origin_region_code", sa.String(length=9), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("expected_harvest_quantity", sa.BigInteger(), nullable=True),
        sa.Column("expected_harvest_on", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=40), nullable=True),
        sa.Column("certified_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "expected_harvest_quantity IS NULL OR expected_harvest_quantity >= 0",
            name=op.f("ck_products_harvest_not_negative"),
        ),
        sa.CheckConstraint("price_fen > 0", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_products_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name=op.f("fk_products_category_code_categories")
        ),
        sa.ForeignKeyConstraint(
            ["origin_region_code"], ["regions.code"], name=op.f("fk_products_origin_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_products_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_certified_until"), ["certified_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_products_listing", ["category_code", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_products_origin_region_code"), ["origin_region_code"], unique=False
        )
        batch_op.create_index("ix_products_price", ["category_code", "price_fen"], unique=False)
        batch_op.create_index(batch_op.f("ix_products_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("origin_region_code", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.JSON(), nullable=False),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=40), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("renewal_of_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('applied', 'in_notice', 'certified', 'rejected', 'revoked', 'expired')",
            name=op.f("ck_certifications_status"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from", name=op.f("ck_certifications_validity")
        ),
        sa.ForeignKeyConstraint(
            ["origin_region_code"],
            ["regions.code"],
            name=op.f("fk_certifications_origin_region_code_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_certifications_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["renewal_of_id"],
            ["certifications.id"],
            name=op.f("fk_certifications_renewal_of_id_certifications"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_certifications_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_certifications_certificate_no")),
    )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certifications_origin_region_code"), ["origin_region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certifications_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certifications_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_certifications_supplier_id"), ["supplier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certifications_valid_until"), ["valid_until"], unique=False)
        batch_op.create_index(
            "uq_certifications_open_per_product",
            ["product_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('applied', 'in_notice')"),
            sqlite_where=sa.text("status IN ('applied', 'in_notice')"),
        )

    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_images_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
        sa.UniqueConstraint("key", name=op.f("uq_product_images_key")),
    )
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_images_product_id"), ["product_id"], unique=False)

    op.create_table(
        "product_search_terms",
        sa.Column("term", sa.String(length=8), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_search_terms_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "product_id", name=op.f("pk_product_search_terms")),
    )
    with op.batch_alter_table("product_search_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_search_terms_product_id"), ["product_id"], unique=False)

    op.create_table(
        "trace_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("batch_code", sa.String(length=60), nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("test_report_ref", sa.String(length=200), nullable=True),
        sa.Column("has_compliance_certificate", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_trace_batches_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_batches")),
        sa.UniqueConstraint("product_id", "batch_code", name=op.f("uq_trace_batches_product_id_batch_code")),
    )
    with op.batch_alter_table("trace_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_batches_product_id"), ["product_id"], unique=False)


def downgrade():
    with op.batch_alter_table("trace_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_batches_product_id"))

    op.drop_table("trace_batches")
    with op.batch_alter_table("product_search_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_search_terms_product_id"))

    op.drop_table("product_search_terms")
    with op.batch_alter_table("product_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_images_product_id"))

    op.drop_table("product_images")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certifications_open_per_product",
            postgresql_where=sa.text("status IN ('applied', 'in_notice')"),
            sqlite_where=sa.text("status IN ('applied', 'in_notice')"),
        )
        batch_op.drop_index(batch_op.f("ix_certifications_valid_until"))
        batch_op.drop_index(batch_op.f("ix_certifications_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_certifications_status"))
        batch_op.drop_index(batch_op.f("ix_certifications_product_id"))
        batch_op.drop_index(batch_op.f("ix_certifications_origin_region_code"))

    op.drop_table("certifications")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_supplier_id"))
        batch_op.drop_index("ix_products_price")
        batch_op.drop_index(batch_op.f("ix_products_origin_region_code"))
        batch_op.drop_index("ix_products_listing")
        batch_op.drop_index(batch_op.f("ix_products_created_at"))
        batch_op.drop_index(batch_op.f("ix_products_certified_until"))

    op.drop_table("products")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_region_code"))
        batch_op.drop_index(batch_op.f("ix_alerts_kind"))

    op.drop_table("alerts")
    op.drop_table("categories")
