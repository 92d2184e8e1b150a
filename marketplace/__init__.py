"""The Flask application factory."""

import importlib
import logging
import os
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.routing import IntegerConverter, UnicodeConverter

from marketplace import apidocs, config, i18n, parsing, ratelimit, security, web
from marketplace.extensions import api, celery_app, db, limiter, migrate


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """Path segments never hold NUL, which PostgreSQL's text refuses: such a path is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\x00]", 1)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config.load(app.instance_path, overrides))
    ratelimit.trust_proxies(app)
    # Ids in paths are 32-bit like the columns they name: a larger number is a 404, not an overflow.
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["string"] = app.url_map.converters["default"] = TextConverter
    app.json = parsing.JSONProvider(app)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.session_interface = security.NoSessions()
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    # The Stripe SDK logs every request at INFO; its failures still surface as warnings and errors.
    logging.getLogger("stripe").setLevel(max(logging.WARNING, logging.getLogger().level))
    register_extensions(app)
    connect_receivers()
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    start_schedule(app)
    return app


def register_extensions(app: Flask) -> None:
    _make_database_dir(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    apidocs.init_app(app)
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    limiter.init_app(app)
    ratelimit.limits_in_views_only(app, limiter)
    security.init_app(app)
    i18n.init_app(app)
    from marketplace.accounts.auth import saved_locale

    i18n.saved_preference(saved_locale)
    init_celery(app)


# The domains that act on the events of domains below them (payments/events.py, procurement/events.py).
RECEIVERS = (
    "marketplace.ledger.receivers",
    "marketplace.alerts.receivers",
    "marketplace.notifications.receivers",
)


def connect_receivers() -> None:
    """Connect every listener, once per process (importing connects them), so that web, Celery workers,
    the CLI and tests all have them."""
    for module in RECEIVERS:
        importlib.import_module(module)


def init_celery(app: Flask) -> None:
    """Bind the shared Celery app to this Flask app; every task runs in its app context."""
    from celery import Task

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    from workers.beat import SCHEDULE, TASK_MODULES, TIMEZONE

    celery_app.config_from_object(app.config["CELERY"])
    # The schedule, in China time, in every process that builds the app (not only in beat).
    celery_app.conf.update(timezone=TIMEZONE, beat_schedule=SCHEDULE)
    celery_app.Task = FlaskTask  # type: ignore[misc]
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # Register the tasks here too: the outbox runs them in-process on the embedded default.
    for module in TASK_MODULES:
        importlib.import_module(module)


def start_schedule(app: Flask) -> None:
    """On the embedded default with SCHEDULE_IN_PROCESS (`make run`), beat's schedule in this process."""
    from workers import in_process

    in_process.start(app)


def register_blueprints(app: Flask) -> None:
    from marketplace.accounts.api import blp as accounts_blp
    from marketplace.aftersales.api import blp as aftersales_blp
    from marketplace.agencies.api import blp as agencies_blp
    from marketplace.alerts.api import blp as alerts_blp
    from marketplace.cart.api import blp as cart_blp
    from marketplace.catalog.api import blp as catalog_blp
    from marketplace.certification.api import blp as certification_blp
    from marketplace.health.api import blp as health_blp
    from marketplace.invitations.api import blp as invitations_blp
    from marketplace.ledger.api import blp as ledger_blp
    from marketplace.notifications.api import blp as notifications_blp
    from marketplace.payments.api import blp as payments_blp
    from marketplace.payments.checkout_api import blp as orders_blp
    from marketplace.portal.api import blp as portal_blp
    from marketplace.procurement.api import blp as procurement_blp
    from marketplace.regions.api import blp as regions_blp
    from marketplace.suppliers.api import blp as suppliers_blp

    blueprints = (
        accounts_blp,
        regions_blp,
        suppliers_blp,
        catalog_blp,
        certification_blp,
        orders_blp,
        payments_blp,
        cart_blp,
        aftersales_blp,
        agencies_blp,
        invitations_blp,
        procurement_blp,
        ledger_blp,
        alerts_blp,
        notifications_blp,
        portal_blp,
        health_blp,
    )
    for blp in blueprints:
        api.register_blueprint(blp, url_prefix="/api/v1")
    if app.config["ENV"] in config.DEVELOPMENT_ENVS:
        from marketplace.payments.dev_api import blp as dev_blp

        api.register_blueprint(dev_blp, url_prefix="/api/v1")
    web.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from marketplace.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from marketplace.cli import ledger_cli, seed_cli, users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(ledger_cli)


def _make_database_dir(app: Flask) -> None:
    """The embedded default's SQLite file lives under instance/: make that folder when the database
    is there, and not otherwise (tests, PostgreSQL), so that nothing is written into the checkout."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or not os.path.isabs(url.database):
        return  # in memory, another database, or relative (Flask-SQLAlchemy puts those in instance/)
    folder = os.path.dirname(url.database)
    if os.path.commonpath([folder, app.instance_path]) == app.instance_path:
        os.makedirs(folder, exist_ok=True)


def _migrations_dir() -> str:
    # Installed as package data; in the checkout, marketplace/migrations links to migrations/.
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
