"""The migrations build the schema from empty, match the models, and go down and up again."""

import importlib
import pkgutil
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import DateTime, MetaData, Table, create_engine, inspect, text

import marketplace
from marketplace import _migrations_dir
from marketplace.config import sqlalchemy_url
from marketplace.extensions import db, migrate
from tests import services as svc
from tests.conftest import SERVICES, database_name


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request, worker_id, tmp_path):
    if request.param == "postgresql":
        if not SERVICES.postgres_url:
            pytest.skip("needs PostgreSQL: set DATABASE_URL")
        name = database_name("marketplace_migrations", worker_id)
        yield svc.create_database(SERVICES, name)
        svc.drop_database(SERVICES, name)
    else:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"


def migration_app(url: str) -> Flask:
    # Only the database extensions: the migrations need nothing else. The models are compared
    # against, so every one must be imported, here.
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if module.name.endswith(".models") or module.name == "marketplace.idempotency":
            importlib.import_module(module.name)
    app = Flask("migrations")
    app.config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(url)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    return app


def tables(url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_from_empty_match_models_and_roundtrip(empty_database):
    app = migration_app(empty_database)
    with app.app_context():
        upgrade()
        assert tables(empty_database) >= {"regions", "pairings", "users", "role_grants", "alembic_version"}
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(revision="base")
        assert tables(empty_database) == {"alembic_version"}
        upgrade()
        assert "role_grants" in tables(empty_database)
        db.engine.dispose()


def rows(conn, table: str, **values) -> int:
    """Insert a row into the table as it stands at this revision; its id."""
    reflected = Table(table, MetaData(), autoload_with=conn)
    return conn.execute(reflected.insert().values(**values)).inserted_primary_key[0]


def test_approvals_and_invoice_dates_are_filled_in_from_the_audit_trail(empty_database):
    app = migration_app(empty_database)
    approved_at, invoiced_at = datetime(2026, 9, 1, 8, tzinfo=UTC), datetime(2026, 10, 1, 8, tzinfo=UTC)
    with app.app_context():
        upgrade(revision="0019")
        with db.engine.begin() as conn:
            rows(conn, "regions", code="500000", name="重庆市", level="province", province_code="500000")
            users = [
                rows(conn, "users", email=f"{n}@example.cn", password_hash="x", display_name=n)
                for n in ("county", "city", "buyer")
            ]
            supplier = rows(
                conn,
                "suppliers",
                name="奉节果园",
                kind="cooperative",
                uscc="93500236MA5U1XYZ0A",
                region_code="500000",
                linkage_modes=[],
                households_linked=1,
                contact_name="刘强",
                contact_phone="13800000000",
                status="verified",
            )
            product = rows(
                conn,
                "products",
                supplier_id=supplier,
                name="脐橙",
                category_code="fruit",
                unit="kg",
                price_fen=9900,
                stock=1,
                origin_region_code="500000",
                description="",
            )
            cert = rows(
                conn,
                "certifications",
                product_id=product,
                supplier_id=supplier,
                origin_region_code="500000",
                status="in_notice",
                stages=["county", "city"],
                stage_index=1,
                commitment={},
                notice_days=7,
            )
            agency = rows(
                conn,
                "agencies",
                name="济南市某中学",
                kind="school",
                uscc="12370100MB0000000X",
                region_code="500000",
                approval_tiers_fen=[],
            )
            order = rows(
                conn,
                "purchase_orders",
                agency_id=agency,
                created_by_id=users[2],
                status="invoiced",
                delivery_address="济南",
                total_fen=9900,
                approvals_required=0,
                stock_held=False,
                paid_fen=0,
            )
            rows(
                conn,
                "po_supplier_parts",
                order_id=order,
                supplier_id=supplier,
                status="shipped",
                invoice_no="37002600001",
                invoice_amount_fen=9900,
            )
            for actor, stage in zip(users[:2], ("county", "city"), strict=True):
                rows(
                    conn,
                    "audit_events",
                    subject_type="certifications",
                    subject_id=cert,
                    action="approve",
                    actor_id=actor,
                    reason=f"{stage} 同意",
                    details={"stage": stage},
                    at=approved_at,
                )
            rows(
                conn,
                "audit_events",
                subject_type="purchase_orders",
                subject_id=order,
                action="invoice",
                actor_id=users[2],
                details={"supplier_id": supplier},
                at=invoiced_at,
            )
        upgrade(revision="0020")
        with db.engine.connect() as conn:
            approvals = conn.execute(
                text(
                    "SELECT certification_id, stage, approver_id, comment"
                    " FROM certification_approvals ORDER BY id"
                )
            ).all()
            recorded = conn.execute(
                text("SELECT invoice_recorded_at FROM po_supplier_parts").columns(
                    invoice_recorded_at=DateTime(timezone=True)
                )
            ).scalar_one()
        assert [tuple(a) for a in approvals] == [
            (cert, "county", users[0], "county 同意"),
            (cert, "city", users[1], "city 同意"),
        ]
        assert recorded.replace(tzinfo=recorded.tzinfo or UTC) == invoiced_at
        db.engine.dispose()
