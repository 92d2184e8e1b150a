"""The migrations build the schema from empty, match the models, and go down and up again."""

import importlib
import pkgutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

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
