"""Benchmark: placing orders, beside a bare psycopg loop doing the same writes (webhook intake is
bench/webhooks.py).

1. POST /api/v1/orders from 32 connections over 100 hot products (2 lines each), gunicorn on
   PostgreSQL, by a crowd of buyers (--buyers, each request one of them at random). Payments go to
   the in-process development gateway so that no network call to a payment provider is in either
   figure.
2. The floor: 32 threads, each with its own psycopg connection, doing what an order must write, in
   the two transactions the app must make (its provider is asked between them): the stock rows
   locked in id order and each taken by an UPDATE guarded against going below zero (a refused one
   rolls the order back), the order, its fulfilment, its lines and its audit event, one commit; then
   the payment row, a second commit.

    .venv/bin/python bench/orders.py [--seconds 15] [--connections 32] [--buyers 1000] [--database NAME]
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import redis  # noqa: E402

from bench.common import (
    Figures,
    fresh_database,
    gunicorn,
    insert_supplier,
    local_app,
    log,
    report,
    server_env,
    wrk,
)  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
PRODUCTS = 100

ORDER_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local tokens = {%(tokens)s}
local first = %(first)d
request = function()
  wrk.headers["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)]
  local a = first + math.random(0, %(span)d)
  local b = first + math.random(0, %(span)d)
  if a == b then b = first + ((b - first + 1) %% %(count)d) end
  local body = '{"items": [{"product_id": ' .. a .. ', "quantity": 1}, {"product_id": ' .. b ..
    ', "quantity": 2}], "shipping_address": {"region_code": "370102", "detail": "济南市历下区泉城路 1 号", ' ..
    '"recipient": "张伟", "phone": "13900001111"}, "payment_method": "alipay"}'
  return wrk.format(nil, nil, nil, body)
end
"""


def fill(database_url: str, buyers: int) -> tuple[int, list[str]]:
    """A verified supplier, PRODUCTS products with stock for any run, `buyers` buyers and their tokens."""
    from marketplace.accounts import tokens

    app = local_app(database_url)
    with psycopg.connect(database_url) as conn:
        supplier = insert_supplier(conn)
        with conn.cursor().copy(
            "COPY products (supplier_id, name, category_code, unit, price_fen, stock, "
            "origin_region_code, description, is_active) FROM STDIN"
        ) as copy:
            for i in range(PRODUCTS):
                copy.write_row(
                    (supplier, f"奉节脐橙 {i}", "fruit.citrus", "箱", 6990 + i, 10**12, "500236", "", True)
                )
        first = conn.execute("SELECT min(id) FROM products").fetchone()[0]
        # Buyers who never log in: their tokens are issued here, as a login would.
        with conn.cursor().copy("COPY users (email, password_hash, display_name) FROM STDIN") as copy:
            for i in range(buyers):
                copy.write_row((f"bench-buyer-{i}@example.test", "!", f"bench {i}"))
        ids = [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]
    key, ttl = app.config["SECRET_KEY"], app.config["TOKEN_TTL_SECONDS"]
    return first, [tokens.issue(key, user_id, 0, ttl) for user_id in ids]


def bare_loop(database_url: str, first: int, buyers: list[int], threads: int, seconds: int) -> Figures:
    """What an order must write, from psycopg directly (see the module's docstring)."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    refused = [0]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine, short = [], 0
        with psycopg.connect(database_url) as conn:
            while time.monotonic() < stop:
                started = time.perf_counter()
                a, b = sorted(rng.sample(range(first, first + PRODUCTS), 2))
                buyer_id = rng.choice(buyers)
                try:
                    order_id = _bare_order(conn, buyer_id, a, b)
                except _Refused:
                    short += 1
                    continue
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO payments (order_id, provider, provider_ref, client_secret, method, "
                        "amount_fen, amount_received_fen, currency, status) VALUES (%s, 'dev', %s, %s, "
                        "'alipay', 20000, 0, 'CNY', 'pending')",
                        (order_id, f"pi_bare_{order_id}", f"pi_bare_{order_id}_secret"),
                    )
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            refused[0] += short

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Figures(
        "bare psycopg loop (same writes)",
        len(latencies) / seconds,
        pick(0.5),
        pick(0.99),
        len(latencies),
        refused[0],
    )


class _Refused(Exception):
    """A guarded stock UPDATE changed nothing: the order is rolled back."""


def _bare_order(conn: psycopg.Connection, buyer_id: int, a: int, b: int) -> int:
    with conn.transaction():
        for pid, q in ((a, 1), (b, 2)):
            conn.execute("SELECT id FROM products WHERE id = %s FOR NO KEY UPDATE", (pid,))
            taken = conn.execute(
                "UPDATE products SET stock = stock - %s WHERE id = %s AND stock >= %s", (q, pid, q)
            ).rowcount
            if taken != 1:
                raise _Refused
        order_id = conn.execute(
            "INSERT INTO orders (buyer_id, status, total_fen, paid_fen, refunded_fen, currency, "
            "payment_method, stock_held, shipping_region_code, shipping_detail, shipping_recipient, "
            "shipping_phone, reserved_until) VALUES (%s, 'pending_payment', 20000, 0, 0, 'CNY', "
            "'alipay', true, '370102', '济南市历下区泉城路 1 号', '张伟', '13900001111', "
            "now() + interval '30 minutes') RETURNING id",
            (buyer_id,),
        ).fetchone()[0]
        fulfilment = conn.execute(
            "INSERT INTO fulfilments (order_id, supplier_id, status) SELECT %s, supplier_id, 'pending' "
            "FROM products WHERE id = %s RETURNING id",
            (order_id, a),
        ).fetchone()[0]
        for pid, q in ((a, 1), (b, 2)):
            conn.execute(
                "INSERT INTO order_lines (order_id, fulfilment_id, product_id, supplier_id, product_name, "
                "unit, unit_price_fen, quantity, line_total_fen, refunded_quantity) SELECT %s, %s, id, "
                "supplier_id, name, unit, price_fen, %s, price_fen * %s, 0 FROM products WHERE id = %s",
                (order_id, fulfilment, q, q, pid),
            )
        conn.execute(
            "INSERT INTO audit_events (subject_type, subject_id, action, to_status, actor_id) "
            "VALUES ('orders', %s, 'place', 'pending_payment', %s)",
            (order_id, buyer_id),
        )
    return order_id


def warm_up(url: str, script: Path, connections: int) -> None:
    """Orders until every worker answers quickly: gunicorn listens before its workers have built the
    app, which on a busy machine takes them seconds that would otherwise count in the figure."""
    for _ in range(30):
        if wrk("warm-up", url, 2 * connections, 2, script=script).requests_per_s >= 10 * connections:
            return
    log("warm-up: the workers are still slow to answer; measuring anyway")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when above 1)")
    parser.add_argument("--buyers", type=int, default=1000, help="buyers the orders are placed by")
    parser.add_argument("--database", default="marketplace_bench_orders", help="dropped and made afresh")
    args = parser.parse_args()

    database_url = fresh_database(args.database)
    first, tokens = fill(database_url, args.buyers)
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(
        database_url,
        MARKETPLACE_ENV="development",
        MARKETPLACE_PAYMENT_GATEWAY="dev",
        REDIS_URL=REDIS_URL,
        MARKETPLACE_LOGIN_RATE_LIMIT="100000 per minute",
        # Every order is left unpaid: a buyer may hold more of them than in production.
        MARKETPLACE_ORDER_MAX_UNPAID_PER_BUYER="100000000",
        MARKETPLACE_ORDER_HOLD_MAX_UNITS="100000000",
    )
    with tempfile.TemporaryDirectory() as tmp:
        order_script = Path(tmp) / "order.lua"
        order_script.write_text(
            ORDER_LUA
            % {
                "tokens": ", ".join(f'"{t}"' for t in tokens),
                "first": first,
                "span": PRODUCTS - 1,
                "count": PRODUCTS,
            }
        )
        rows = []
        with gunicorn("marketplace:create_app()", env, workers=args.workers, threads=args.threads) as url:
            warm_up(url + "/api/v1/orders", order_script, args.workers * args.threads)
            log(f"orders through the API: {args.connections} connections, {args.seconds}s")
            rows.append(
                wrk(
                    "POST /api/v1/orders (2 lines)",
                    url + "/api/v1/orders",
                    args.connections,
                    args.seconds,
                    script=order_script,
                )
            )
            log(f"bare psycopg loop: {args.connections} threads, {args.seconds}s")
            with psycopg.connect(database_url) as conn:
                buyers = [row[0] for row in conn.execute("SELECT id FROM users")]
            rows.append(bare_loop(database_url, first, buyers, args.connections, args.seconds))
        with psycopg.connect(database_url) as conn:
            orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
            negative = conn.execute("SELECT count(*) FROM products WHERE stock < 0").fetchone()[0]
    kind = (
        f"{args.workers} gthread workers x {args.threads} threads"
        if args.threads > 1
        else f"{args.workers} sync workers"
    )
    report(
        f"orders: {PRODUCTS} hot products, {args.buyers} buyers, gunicorn {kind}, PostgreSQL, "
        f"{args.connections} connections",
        rows,
        baseline="bare psycopg loop (same writes)",
    )
    print(f"rows written: {orders} orders; products below zero stock: {negative}")


if __name__ == "__main__":
    main()
