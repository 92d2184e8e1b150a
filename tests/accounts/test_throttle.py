"""Sign-in throttles: a guesser is held back wherever it guesses from, the owner is not locked out
from their own address, every 429 says when to retry, and proxies are trusted only when told."""

import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from werkzeug.exceptions import TooManyRequests

from marketplace.accounts.models import SignInAddress
from marketplace.errors import retry_after
from marketplace.extensions import db
from marketplace.ratelimit import trust_proxies

TOKEN = "/api/v1/auth/token"
OWNER = "owner@example.test"
OWNER_ADDRESS = "192.0.2.10"


@contextmanager
def limits(app, **settings):
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        yield
    finally:
        app.config.update(saved)


def sign_in(client, address, email=OWNER, password="correct horse 1", **headers):
    return client.post(
        TOKEN,
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def assert_says_when_to_retry(response, window):
    assert response.status_code == 429
    # flask-limiter rounds the window's end up to the next second.
    assert 1 <= int(response.headers["Retry-After"]) <= window + 1
    assert f"请 {response.headers['Retry-After']} 秒后重试" in response.json["message"]


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(app, client, make_user):
    make_user(email=OWNER)
    with limits(app, LOGIN_RATE_LIMIT="3 per minute"):
        codes = [sign_in(client, "198.51.100.66", password=f"guess {i}").status_code for i in range(3)]
        blocked = sign_in(client, "198.51.100.66", password="guess 3")
        owner = sign_in(client, OWNER_ADDRESS)
    assert codes == [401, 401, 401]
    assert_says_when_to_retry(blocked, 60)
    assert owner.status_code == 200


def test_one_address_guessing_many_accounts_is_throttled(app, client):
    with limits(app, LOGIN_ADDRESS_RATE_LIMIT="3 per minute"):
        codes = [sign_in(client, "198.51.100.7", email=f"x{i}@example.test").status_code for i in range(3)]
        blocked = sign_in(client, "198.51.100.7", email="x3@example.test")
    assert codes == [401, 401, 401]
    assert_says_when_to_retry(blocked, 60)


def test_a_guesser_on_many_addresses_is_held_to_the_account_limit_but_not_at_the_owners_address(
    app, client, make_user
):
    make_user(email=OWNER)
    assert sign_in(client, OWNER_ADDRESS).status_code == 200
    with limits(app, LOGIN_ACCOUNT_RATE_LIMIT="3 per hour"):
        codes = [sign_in(client, f"203.0.113.{i}", password=f"guess {i}").status_code for i in range(3)]
        blocked = sign_in(client, "203.0.113.99", password="guess 99")
        at_home = sign_in(client, OWNER_ADDRESS)
        typo_at_home = sign_in(client, OWNER_ADDRESS, password="correct horse 2")
        # The price of holding the guesser back: the owner on an address never used waits too.
        elsewhere = sign_in(client, "203.0.113.200")
    assert codes == [401, 401, 401]
    assert_says_when_to_retry(blocked, 3600)
    assert at_home.status_code == 200
    assert typo_at_home.status_code == 401
    assert elsewhere.status_code == 429


def test_an_address_unused_for_longer_than_the_setting_is_no_longer_spared(app, client, make_user):
    make_user(email=OWNER)
    assert sign_in(client, OWNER_ADDRESS).status_code == 200
    long_ago = datetime.now(UTC) - timedelta(days=91)
    db.session.execute(update(SignInAddress).values(last_signed_in_at=long_ago))
    db.session.commit()
    with limits(app, LOGIN_ACCOUNT_RATE_LIMIT="1 per hour", SIGN_IN_ADDRESS_DAYS=90):
        codes = [sign_in(client, OWNER_ADDRESS, password=p).status_code for p in ("typo", "correct horse 1")]
    assert codes == [401, 429]


def test_a_password_change_forgets_the_addresses_signed_in_from(app, client, make_user):
    make_user(email=OWNER, password="old password 1")
    token = sign_in(client, "203.0.113.5", password="old password 1").json["access_token"]
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": "old password 1", "new_password": "new password 2"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 200
    with limits(app, LOGIN_ACCOUNT_RATE_LIMIT="1 per hour"):
        codes = [sign_in(client, "203.0.113.5", password=f"guess {i}").status_code for i in range(2)]
    assert codes == [401, 429]


def test_addresses_in_one_ipv6_64_share_a_limit(app, client):
    with limits(app, LOGIN_ADDRESS_RATE_LIMIT="3 per minute"):
        codes = [
            sign_in(client, f"2001:db8:1:2::{i:x}", email=f"x{i}@example.test").status_code for i in range(4)
        ]
        other_network = sign_in(client, "2001:db8:1:3::1", email="y@example.test")
    assert codes == [401, 401, 401, 429]
    assert other_network.status_code == 401


def test_registration_and_password_change_429s_say_when_to_retry_too(app, client, make_user):
    _, headers = make_user(password="old password 1")
    with limits(app, LOGIN_RATE_LIMIT="1 per minute"):
        body = {"email": "new@example.test", "password": "correct horse 1", "display_name": "新"}
        client.post("/api/v1/auth/register", json=body)
        registration = client.post("/api/v1/auth/register", json=body)
        change = {"current_password": "guess", "new_password": "new password 2"}
        client.post("/api/v1/auth/password", json=change, headers=headers)
        password_change = client.post("/api/v1/auth/password", json=change, headers=headers)
    assert_says_when_to_retry(registration, 60)
    assert_says_when_to_retry(password_change, 60)


def test_a_429_of_our_own_says_when_to_retry_whatever_it_was_given():
    in_half_a_minute = datetime.fromtimestamp(time.time() + 29.5, UTC)
    assert retry_after(TooManyRequests(retry_after=30)) == 30
    assert retry_after(TooManyRequests(retry_after=in_half_a_minute)) == 30
    assert retry_after(TooManyRequests()) == 60


# Reverse proxies -------------------------------------------------------------------


@pytest.fixture
def behind_one_proxy(app):
    original = app.wsgi_app
    with limits(app, TRUSTED_PROXY_HOPS=1):
        trust_proxies(app)
        try:
            yield
        finally:
            app.wsgi_app = original


PROXY = "10.0.0.2"


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app, client, make_user, behind_one_proxy):
    make_user(email=OWNER)
    with limits(app, LOGIN_ADDRESS_RATE_LIMIT="3 per minute"):
        guesser = [
            sign_in(client, PROXY, email=f"x{i}@example.test", X_Forwarded_For="198.51.100.66").status_code
            for i in range(4)
        ]
        owner = sign_in(client, PROXY, X_Forwarded_For=OWNER_ADDRESS)
    assert guesser == [401, 401, 401, 429]
    assert owner.status_code == 200


def test_a_trusted_proxy_believes_only_the_address_it_added(app, client, behind_one_proxy):
    # The client's own X-Forwarded-For entries come first; the proxy appends the address it saw.
    with limits(app, LOGIN_ADDRESS_RATE_LIMIT="3 per minute"):
        codes = [
            sign_in(
                client, PROXY, email=f"x{i}@example.test", X_Forwarded_For=f"192.0.2.{i}, 198.51.100.66"
            ).status_code
            for i in range(4)
        ]
    assert codes == [401, 401, 401, 429]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, client):
    with limits(app, LOGIN_ADDRESS_RATE_LIMIT="3 per minute"):
        codes = [
            sign_in(
                client, "198.51.100.66", email=f"x{i}@example.test", X_Forwarded_For=f"192.0.2.{i}"
            ).status_code
            for i in range(4)
        ]
    assert codes == [401, 401, 401, 429]


def test_a_negative_number_of_proxies_is_refused_at_start():
    from marketplace.config import ConfigError, load

    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        load("/tmp", {"ENV": "development", "TRUSTED_PROXY_HOPS": -1})
