"""Test harness.

Each xdist worker gets its own database, built by running the Alembic
migrations (never create_all) and loaded with the region seed once; between
tests every other table is emptied. On PostgreSQL (DATABASE_URL) that is a
fresh database per worker; otherwise a SQLite file. Each worker also gets
its own Redis database index when REDIS_URL is set. MARKETPLACE_TEST_SLOT=N (from 1) lets
another checkout on the same machine run its tests at the same time, on databases of its own and
Redis indexes from 1 + 2N (so one slot runs at most two xdist workers; 13 is the load run's, 14
the scale-out run's).
"""

import os
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.accounts.models import RoleGrant, User
from marketplace.extensions import celery_app, db, limiter
from marketplace.outbox import services as outbox_services
from marketplace.regions.services import load_region_seed
from marketplace.timeutil import now
from tests import services as svc
from tests.desk import Desk
from tests.shop import Shop
from tests.stripe_server import WEBHOOK_SECRET, FakeStripe
from tests.web.harness import missing as web_missing

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
REFERENCE_TABLES = {"regions", "pairings", "categories", "reference_version", "alembic_version"}
SERVICES = svc.discover()
# What the browser tests (tests/web) need: Debian's Chromium, the web build, axe-core, Playwright.
WEB_MISSING = web_missing()
REQUIRED = os.environ.get("MARKETPLACE_REQUIRE_SERVICES") == "1"
SLOT = int(os.environ.get("MARKETPLACE_TEST_SLOT", "0"))
TEST_SETTINGS = {
    "ENV": "test",
    "CERTIFICATION_NOTICE_DAYS": 7,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST_KIB": 64,
    "LOGIN_RATE_LIMIT": "1000 per minute",
    "LOGIN_ADDRESS_RATE_LIMIT": "1000 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
    "CORS_ORIGINS": "https://shop.example.test",
    # Tests place many orders per buyer and leave them unpaid; tests/orders/test_limits.py sets the
    # real limits.
    "ORDER_MAX_UNPAID_PER_BUYER": 10_000,
    "ORDER_HOLD_MAX_UNITS": 1_000_000,
    "ORDER_HOLD_MAX_SHARE_BP": 10_000,
    # Tests change what /health sees and ask again at once; tests/health sets the real interval.
    "HEALTH_CHECK_SECONDS": 0,
    # Tests change regions and categories and read them back at once; test_prepared sets the interval.
    "REFERENCE_VERSION_SECONDS": 0,
}

# What production needs besides its secrets: mail goes out by SMTP, links lead to the real site.
PRODUCTION_MAIL = {
    "MAIL_SMTP_HOST": "smtp.example.test",
    "MAIL_FROM": "noreply@example.test",
    "PUBLIC_BASE_URL": "https://shop.example.test",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: slower tests (subprocesses)")


def pytest_sessionstart(session):
    if REQUIRED:
        missing = list(SERVICES.problems)
        if not SERVICES.postgres_url:
            missing.append("PostgreSQL: set DATABASE_URL to a reachable server")
        if not SERVICES.redis_url:
            missing.append("Redis: set REDIS_URL to a reachable server")
        missing += WEB_MISSING
        if missing:
            pytest.exit("MARKETPLACE_REQUIRE_SERVICES=1 but:\n  " + "\n  ".join(missing), returncode=3)


def pytest_report_header(config):
    lines = [
        f"database: {'PostgreSQL' if SERVICES.postgres_url else 'SQLite (embedded default)'}",
        f"redis: {'yes' if SERVICES.redis_url else 'NO: tests marked redis are skipped'}",
    ]
    lines.append(f"browser: {'Chromium' if not WEB_MISSING else 'NO: tests marked web are skipped'}")
    return lines + [f"WARNING: {p}" for p in SERVICES.problems + WEB_MISSING]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and not SERVICES.postgres_url:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not SERVICES.redis_url:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if "web" in item.keywords and WEB_MISSING:
            item.add_marker(pytest.mark.skip(reason="needs the browser: " + "; ".join(WEB_MISSING)))


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    needing = [
        r
        for r in skipped
        if any(n in str(r.longrepr) for n in ("needs PostgreSQL", "needs Redis", "needs the browser"))
    ]
    if needing or SERVICES.problems or WEB_MISSING:
        terminalreporter.section("NOT RUN: tests that need real services", sep="!", red=True, bold=True)
        for problem in SERVICES.problems + WEB_MISSING:
            terminalreporter.write_line(f"!! {problem}", red=True)
        terminalreporter.write_line(
            f"!! {len(needing)} tests did not run for want of PostgreSQL, Redis or the browser "
            "(see 'SKIPPED' above). Set DATABASE_URL and REDIS_URL, install Chromium and build web/ "
            "to run them.",
            red=True,
            bold=True,
        )


def database_name(base: str, worker_id: str) -> str:
    return f"{base}_{worker_id}" if not SLOT else f"{base}_s{SLOT}_{worker_id}"


def worker_index(worker_id: str) -> int:
    match = re.search(r"\d+", worker_id)
    return int(match.group()) if match else 0


@pytest.fixture(scope="session")
def database_url(worker_id, tmp_path_factory):
    if SERVICES.postgres_url:
        name = database_name("marketplace_test", worker_id)
        yield svc.create_database(SERVICES, name)
        svc.drop_database(SERVICES, name)
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def redis_url(worker_id):
    # Index 0 is left alone; xdist workers take 1, 2, ... (two a slot: 13 is the load run's, 14 the
    # scale-out run's)
    index = 1 + 2 * SLOT + worker_index(worker_id)
    return SERVICES.redis_database_url(index) if SERVICES.redis_url else None


@pytest.fixture(scope="session")
def fake_stripe():
    server = FakeStripe()
    yield server
    server.close()


@pytest.fixture(scope="session")
def settings(database_url, redis_url, worker_id, tmp_path_factory, fake_stripe):
    return {
        **TEST_SETTINGS,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_KEY_PREFIX": f"test-{worker_id}",
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "MAIL_DIR": str(tmp_path_factory.mktemp("mail")),
        # The real Stripe SDK, over HTTP, against tests/stripe_server.py.
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_marketplace",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_marketplace",
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_TIMEOUT_SECONDS": 3,
        # Tasks run in-process unless a test starts a real worker.
        "CELERY": {"task_always_eager": True},
    }


@pytest.fixture(scope="session")
def _app(settings):
    app = create_app(settings)
    with app.app_context():
        upgrade()
        load_region_seed(SEED_DIR / "regions")
        db.session.remove()
    return app


@pytest.fixture
def app(_app, redis_url, fake_stripe):
    with _app.app_context():
        limiter.reset()
        fake_stripe.reset()
        yield _app
        start_afresh(_app, redis_url, fake_stripe)


def start_afresh(app, redis_url, fake_stripe) -> None:
    """Empty every table but the reference data; cached pages, rate-limit counters, heartbeats and
    the Stripe server's payments go too."""
    outbox_services.wait_apart()
    db.session.remove()
    _empty_tables()
    app.extensions.pop("response_cache", None)
    app.extensions.pop("kept_answers", None)
    if redis_url:
        redis.Redis.from_url(redis_url).flushdb()
    limiter.reset()
    fake_stripe.reset()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as conn:
        for table in tables:
            if table.name == "ledger_entries" and conn.dialect.name == "postgresql":
                # Its trigger refuses DELETE (append-only); TRUNCATE is not a row operation.
                conn.execute(text("TRUNCATE ledger_entries"))
            else:
                conn.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mailbox(app, tmp_path):
    """The mail the app sends during the test, as parsed messages, oldest first."""
    box = Mailbox(tmp_path / "mail")
    previous, app.config["MAIL_DIR"] = app.config["MAIL_DIR"], str(box.directory)
    yield box
    app.config["MAIL_DIR"] = previous


class Mailbox:
    def __init__(self, directory: Path):
        self.directory = directory

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        paths = sorted(self.directory.glob("*.eml")) if self.directory.exists() else []
        parsed = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in paths]
        return [m for m in parsed if to is None or m["To"] == to]

    def last_token(self, to: str, path: str) -> str:
        """The token of the newest link to `path` (e.g. "/verify-email") mailed to `to`."""
        for message in reversed(self.messages(to)):
            found = re.search(re.escape(path) + r"\?token=([\w.\-]+)", message.get_content())
            if found:
                return found.group(1)
        raise AssertionError(f"no {path} link mailed to {to}")


@pytest.fixture
def broker_down():
    """Point the app's Celery at a port where nothing listens (a real connection refusal)."""
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_publish_retry")}
    celery_app.conf.update(
        task_always_eager=False, broker_url="redis://127.0.0.1:1/0", task_publish_retry=False
    )
    forget_connections()
    yield
    celery_app.conf.update(saved)
    forget_connections()


def forget_connections():
    # Celery caches its connection pool and, apart from it, its producer pool: both must go, or
    # later tests in this process would publish to the broker this test switched off.
    celery_app.close()
    celery_app.amqp._producer_pool = None


@pytest.fixture
def shop(client, fake_stripe, make_user):
    """Two suppliers with a product each, two buyers and an admin: what the tests of orders and of
    their payments (and the tallies they feed) buy from."""
    return Shop(client, fake_stripe, make_user)


@pytest.fixture
def desk(client, make_user):
    """An agency under a lead unit, its purchaser and approvers, and two suppliers' products: what the
    tests of purchase orders (and the tallies and alerts they feed) buy from."""
    return Desk(client, make_user)


@pytest.fixture
def make_user(app):
    """Create a user with roles; returns (user, auth headers)."""
    from marketplace.accounts import services as accounts

    counter = iter(range(1, 10_000))

    def make(
        *grants: tuple[str, str | None],
        email: str | None = None,
        password: str = "correct horse 1",
        verified: bool = True,
    ):
        email = email or f"user{next(counter)}@example.test"
        accounts.register_user(email, password, email.split("@")[0])
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        if verified:
            user.email_verified_at = now()
        for role, region_code in grants:
            user.role_grants.append(RoleGrant(role=role, region_code=region_code))
        db.session.commit()
        token = accounts.issue_token(user).access_token
        return user, {"Authorization": f"Bearer {token}"}

    return make
