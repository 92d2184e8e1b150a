"""a version of the reference data, raised by the database on every change to it

Revision ID: 0019
Revises: 0018

Regions, pairings and categories change about once a year, and answers made from them are served
as prepared bytes (marketplace.cache.Prepared) under this one number. Triggers raise it in the
writing transaction itself, whoever writes (the seed loader, a migration, psql), so no writer can
forget to: on PostgreSQL once per statement, on SQLite (row triggers only) once per row.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ("regions", "pairings", "categories")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE reference_version SET version = version + 1"

BUMP_FUNCTION = f"""
CREATE OR REPLACE FUNCTION bump_reference_version() RETURNS trigger AS $$
BEGIN
    {BUMP};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    reference_version = op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
    )
    op.bulk_insert(reference_version, [{"id": 1, "version": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BUMP_FUNCTION)
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_bump_reference_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version()"
            )
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(
                    f"CREATE TRIGGER {table}_{operation.lower()}_bumps_reference_version "
                    f"AFTER {operation} ON {table} BEGIN {BUMP}; END"
                )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bump_reference_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_reference_version()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{operation.lower()}_bumps_reference_version")
    op.drop_table("reference_version")
