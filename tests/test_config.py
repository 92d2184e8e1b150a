"""Settings: production unless development is asked for, environment values typed like their defaults,
and the payment gateway the README describes.

Apps other than the test run's are made in processes of their own: an app made here would bind the
Celery tasks to itself."""

import json
import os
import subprocess
import sys

import pytest

from marketplace.config import DEFAULTS, ConfigError, load
from tests.conftest import PRODUCTION_MAIL

CONVENTIONAL = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")


def bare_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any of the app's settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_") and k not in CONVENTIONAL}
    return {**env, **settings}


def run_app(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run script (with `from marketplace import create_app` done) in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", "from marketplace import create_app\n" + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


DEV_ROUTES = """
import json
app = create_app()
client = app.test_client()
print(json.dumps({
    "env": app.config["ENV"],
    "rules": [r.rule for r in app.url_map.iter_rules() if "/dev/" in r.rule],
    "documented": [p for p in client.get("/api/openapi.json").json["paths"] if "/dev/" in p],
    "confirm": client.post("/api/v1/dev/orders/1/confirm-payment", json={}).status_code,
}))
"""


def test_an_app_with_no_env_runs_as_production_refusing_missing_secrets_and_serving_no_dev_route():
    missing_secret = run_app("create_app()", bare_environment(DATABASE_URL="sqlite://"))
    assert missing_secret.returncode != 0 and "SECRET_KEY must be set in production" in missing_secret.stderr
    missing_database = run_app("create_app()", bare_environment(SECRET_KEY="k" * 32))
    assert (
        missing_database.returncode != 0
        and "DATABASE_URL must be set in production" in missing_database.stderr
    )
    no_stripe = run_app("create_app()", bare_environment(SECRET_KEY="k" * 32, DATABASE_URL="sqlite://"))
    assert no_stripe.returncode != 0 and "development payment gateway is refused" in no_stripe.stderr

    served = run_app(
        DEV_ROUTES,
        bare_environment(
            SECRET_KEY="k" * 32,
            DATABASE_URL="sqlite://",
            STRIPE_SECRET_KEY="sk_test_x",
            STRIPE_WEBHOOK_SECRET="whsec_x",
            **{f"MARKETPLACE_{key}": value for key, value in PRODUCTION_MAIL.items()},
        ),
    )
    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout.splitlines()[-1]) == {
        "env": "production",
        "rules": [],
        "documented": [],
        "confirm": 404,
    }


def test_development_is_had_by_asking_for_it_and_serves_the_development_gateway():
    served = run_app(DEV_ROUTES, bare_environment(MARKETPLACE_ENV="development", DATABASE_URL="sqlite://"))
    assert served.returncode == 0, served.stderr
    shown = json.loads(served.stdout.splitlines()[-1])
    assert shown["env"] == "development"
    assert shown["rules"] == ["/api/v1/dev/orders/<int:order_id>/confirm-payment"]
    assert shown["documented"] == ["/api/v1/dev/orders/{order_id}/confirm-payment"]
    assert shown["confirm"] == 401  # served, and asks who pays


def test_the_development_gateway_is_refused_in_production_even_when_named():
    base = {"ENV": "production", "SECRET_KEY": "k" * 32, "DATABASE_URL": "postgresql://db/x"}
    stripe = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    with pytest.raises(ConfigError, match="development payment gateway is refused in production"):
        load("/tmp", {**base, **stripe, "PAYMENT_GATEWAY": "dev"})
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY must be one of"):
        load("/tmp", {**base, **stripe, "PAYMENT_GATEWAY": "Stripe"})


# Environment values are typed like their defaults --------------------------------------------------


INT_SETTINGS = sorted(k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool))


@pytest.mark.parametrize("key", INT_SETTINGS)
def test_every_integer_setting_from_the_environment_is_an_integer(monkeypatch, key):
    monkeypatch.setenv(f"MARKETPLACE_{key}", "45")
    assert load("/tmp", {"ENV": "test"})[key] == 45


def test_lists_and_objects_from_the_environment(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_CORS_ORIGINS", "https://a.example, https://b.example,")
    monkeypatch.setenv("MARKETPLACE_RESERVED_SHARE_MIN_BP", '{"default": 1000, "370000": 1500}')
    settings = load("/tmp", {"ENV": "test"})
    assert settings["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert settings["RESERVED_SHARE_MIN_BP"] == {"default": 1000, "370000": 1500}


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("MARKETPLACE_UNSOLD_AFTER_DAYS", "forty-five", "MARKETPLACE_UNSOLD_AFTER_DAYS must be an integer"),
        (
            "MARKETPLACE_CERTIFICATION_STAGES",
            "[1, 2]",
            "MARKETPLACE_CERTIFICATION_STAGES must be a JSON object",
        ),
        (
            "MARKETPLACE_RESERVED_SHARE_MIN_BP",
            "{oops",
            "MARKETPLACE_RESERVED_SHARE_MIN_BP must be a JSON object",
        ),
        ("MARKETPLACE_STORAGE_URL", "https://files.example", "MARKETPLACE_STORAGE_URL must read s3://bucket"),
        ("MARKETPLACE_STORAGE_URL", "s3:///prefix", "MARKETPLACE_STORAGE_URL must read s3://bucket"),
        ("MARKETPLACE_S3_ADDRESSING_STYLE", "sideways", "must be auto, path or virtual"),
    ],
)
def test_a_bad_value_in_the_environment_names_the_setting(monkeypatch, name, value, why):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=why):
        load("/tmp", {"ENV": "test"})


# Stripe is chosen by STRIPE_SECRET_KEY in every environment ----------------------------------------


def test_a_stripe_key_chooses_stripe_in_development_too_and_an_explicit_gateway_wins():
    assert load("/tmp", {"ENV": "development"})["PAYMENT_GATEWAY"] == "dev"
    assert (
        load("/tmp", {"ENV": "development", "STRIPE_SECRET_KEY": "sk_test_x"})["PAYMENT_GATEWAY"] == "stripe"
    )
    explicit = {"ENV": "development", "STRIPE_SECRET_KEY": "sk_test_x", "PAYMENT_GATEWAY": "dev"}
    assert load("/tmp", explicit)["PAYMENT_GATEWAY"] == "dev"


def test_a_development_run_pays_through_a_stripe_compatible_server(fake_stripe):
    fake_stripe.reset()
    script = """
import json
from marketplace.payments.gateways import gateway
app = create_app()
with app.app_context():
    provider = gateway()
    intent = provider.create_intent(7, 2500, "CNY", "card", "dev-run-1")
print(json.dumps([provider.name, intent.id]))
"""
    env = bare_environment(
        MARKETPLACE_ENV="development",
        DATABASE_URL="sqlite://",
        STRIPE_SECRET_KEY="sk_test_local",
        MARKETPLACE_STRIPE_API_BASE=fake_stripe.url,
    )
    paid = run_app(script, env)
    assert paid.returncode == 0, paid.stderr
    name, intent_id = json.loads(paid.stdout.splitlines()[-1])
    assert name == "stripe"
    assert fake_stripe.intents[intent_id]["amount"] == 2500
    fake_stripe.reset()
