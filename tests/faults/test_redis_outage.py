"""Redis stopped mid-run: reads keep working, orders are still accepted, and the work queued
meanwhile is kept (in the outbox) and runs once Redis is back."""

import pytest
from celery import Celery

from tests.faults.conftest import ORDER_FEN
from tests.processes import RedisServer, eventually, served_app, service_env, start_worker, stop

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def send_through(redis_url: str, task_name: str) -> None:
    """What beat does: put a task on the queue."""
    sender = Celery(broker=redis_url, set_as_current=False)
    try:
        sender.send_task(task_name)
    finally:
        sender.close()


def test_redis_outage_keeps_the_shop_open_and_loses_no_payment(
    app, settings, redis_server, served_shop, tmp_path
):
    env = service_env(settings, REDIS_URL=redis_server.url)
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        with served_app(env, tmp_path / "app.log") as client:
            shop = served_shop(client)
            first = shop.order().json
            shop.pay(first)
            eventually(lambda: shop.status(first["id"]) == "paid", what="the first order paid by the worker")
            assert client.get("/api/v1/health").json["redis"]["ok"] is True

            redis_server.stop()

            assert client.get("/api/v1/health").json["redis"]["ok"] is False
            assert client.get("/api/v1/health").status_code == 200  # degraded, not down
            assert client.get("/api/v1/products").status_code == 200
            assert client.get(f"/api/v1/products/{shop.orange.id}").json["stock"] == 8
            assert client.get(f"/api/v1/orders/{first['id']}", headers=shop.buyer_headers).status_code == 200
            login = client.post(
                "/api/v1/auth/token", json={"email": shop.buyer.email, "password": "correct horse 1"}
            )
            assert login.status_code == 200  # throttling falls back to process memory
            during = shop.order(key="during-the-outage")
            assert during.status_code == 201, during.json
            assert shop.stock(shop.orange) == 6  # reserved at once
            assert shop.pay(during.json)  # Stripe's webhook is answered 200 and stored
            assert shop.status(during.json["id"]) == "pending_payment"
            assert shop.unprocessed_events() == 1

            redis_server.start()

            # A webhook arriving now is sent at once: the app reconnects by itself.
            after = shop.order().json
            shop.pay(after)
            eventually(lambda: shop.status(after["id"]) == "paid", what="an order paid after Redis came back")
            # What the outage held back goes out on beat's next dispatch of the outbox.
            assert shop.status(during.json["id"]) == "pending_payment"
            send_through(redis_server.url, "outbox.dispatch_pending")
            eventually(lambda: shop.status(during.json["id"]) == "paid", what="the held-back payment")
            assert shop.unprocessed_events() == 0
            assert shop.ledger() == (6, 3 * ORDER_FEN)
            assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (4, 2)
    finally:
        stop(worker)
