"""A worker killed while it processes a webhook, or only the pool process running the task: the task
was never acknowledged, so it runs again (at once in a new pool process; in another worker once
the visibility timeout passes), and the payment takes effect exactly once."""

import os
import signal
import subprocess
import time

import psycopg
import pytest

from tests.conftest import WEBHOOK_SECRET
from tests.faults.conftest import ORDER_FEN
from tests.processes import eventually, kill, served_app, service_env, start_worker, stop

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

VISIBILITY_TIMEOUT = 2


def waiting_on_a_lock(conn: psycopg.Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE '%FROM orders%FOR NO KEY UPDATE%'"
        ).fetchone()[0]
    )


def deliver(client, event: tuple[bytes, str]):
    body, signature = event
    return client.post(
        "/api/v1/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def pool_child(worker) -> int:
    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout
    (pid,) = children.split()
    return int(pid)


@pytest.mark.parametrize("killed", ["the whole worker", "its pool process"])
def test_a_worker_killed_mid_webhook_leaves_the_payment_to_be_applied_once(
    app, settings, served_shop, tmp_path, killed
):
    env = service_env(settings, MARKETPLACE_TASK_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT))
    log = tmp_path / "workers.log"
    first = start_worker(env, log, pool="prefork")
    second = None
    try:
        with (
            served_app(env, tmp_path / "app.log") as client,
            psycopg.connect(settings["DATABASE_URL"], autocommit=True) as watcher,
            psycopg.connect(settings["DATABASE_URL"]) as holder,
        ):
            shop = served_shop(client)
            order = shop.order().json
            # Hold the order's row so that the worker, once inside the task, waits there.
            holder.execute("SELECT id FROM orders WHERE id = %s FOR UPDATE", (order["id"],))
            intent = shop.stripe.succeed(order["payment"]["payment_intent_id"])
            event = shop.stripe.event("payment_intent.succeeded", intent, WEBHOOK_SECRET)
            assert deliver(client, event).json == {"received": True, "duplicate": False}
            eventually(lambda: waiting_on_a_lock(watcher), what="the worker inside the webhook's task")

            if killed == "its pool process":
                # The OOM killer takes the child running the task; the worker puts the task back
                # on the queue and runs it in a new child.
                os.kill(pool_child(first), signal.SIGKILL)
                holder.rollback()
            else:
                kill(first)
                holder.rollback()
                assert shop.status(order["id"]) == "pending_payment"
                assert shop.unprocessed_events() == 1
                assert shop.ledger() == (0, 0)
                # Its replacement starts once the task's visibility timeout has passed, and on
                # starting takes back what no live worker acknowledged.
                time.sleep(VISIBILITY_TIMEOUT)
                second = start_worker(env, log, pool="prefork")
            eventually(lambda: shop.status(order["id"]) == "paid", what="the retried webhook")
            eventually(lambda: shop.unprocessed_events() == 0, what="the event marked processed")

            # Stripe delivers the same event again (it never heard our 200, say): nothing changes twice.
            assert deliver(client, event).json == {"received": True, "duplicate": True}
            # And another event about the same payment: processed, changing nothing.
            shop.pay(order)
            eventually(lambda: shop.unprocessed_events() == 0, what="the second event processed")
            assert shop.ledger() == (2, ORDER_FEN)
            assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (8, 4)
            paid = client.get(f"/api/v1/orders/{order['id']}", headers=shop.buyer_headers).json
            assert (paid["status"], paid["paid_fen"]) == ("paid", ORDER_FEN)
    finally:
        for worker in (first, second):
            if worker is not None:
                stop(worker)
