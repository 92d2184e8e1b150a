"""The PostgreSQL connection dropped: requests fail cleanly with 503 (and change nothing), and the
service recovers by itself when the database is reachable again, without a restart."""

from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.processes import TcpProxy, served_app, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def proxy(settings):
    parts = urlsplit(settings["DATABASE_URL"])
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    proxy.url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    yield proxy
    proxy.close()


def test_a_dropped_database_is_503_then_recovers_without_a_restart(
    app, settings, proxy, served_shop, tmp_path
):
    with served_app(service_env(settings, DATABASE_URL=proxy.url), tmp_path / "app.log") as client:
        shop = served_shop(client)
        orders = lambda: client.get("/api/v1/orders", headers=shop.buyer_headers)  # noqa: E731
        assert orders().status_code == 200  # the app's pool now holds a connection

        proxy.cut()  # every open connection drops; new ones are refused

        for response in (
            orders(),
            shop.order(key="while-down"),
            client.post(
                "/api/v1/auth/token", json={"email": shop.buyer.email, "password": "correct horse 1"}
            ),
        ):
            assert response.status_code == 503, response.json
            assert response.headers["Retry-After"] == "5"
            assert response.json["message"] == "数据库暂时不可用，请稍后重试。"
        health = client.get("/api/v1/health")
        assert (health.status_code, health.json["database"]["ok"]) == (503, False)
        assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)  # the order changed nothing

        proxy.restore()

        assert orders().json == []  # the first request after is served: no restart, no error
        placed = shop.order(key="while-down")  # the buyer's retry
        assert placed.status_code == 201, placed.json
        assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (8, 4)
        assert client.get("/api/v1/health").json["database"]["ok"] is True
