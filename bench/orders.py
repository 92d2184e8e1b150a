"""Benchmark: placing orders, beside a bare psycopg loop doing the same writes (webhook intake is
bench/webhooks.py).

1. POST /api/v1/orders from 32 connections over 100 hot products (2 lines each), gunicorn on
   PostgreSQL. Payments go to the in-process development gateway so that no network call to a
   payment provider is in either figure.
2. The floor: 32 threads, each with its own psycopg connection, doing what an order writes:
   guarded stock UPDATEs in id order, then the order, fulfilment and line INSERTs, one commit.

    .venv/bin/python bench/orders.py [--seconds 15] [--connections 32]
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
wrk.headers["Authorization"] = "Bearer %(token)s"
local first = %(first)d
request = function()
  local a = first + math.random(0, %(span)d)
  local b = first + math.random(0, %(span)d)
  if a == b then b = first + ((b - first + 1) %% %(count)d) end
  local body = '{"items": [{"product_id": ' .. a .. ', "quantity": 1}, {"product_id": ' .. b ..
    ', "quantity": 2}], "shipping_address": {"region_code": "370102", "detail": "济南市历下区泉城路 1 号", ' ..
    '"recipient": "张伟", "phone": "13900001111"}, "payment_method": "alipay"}'
  return wrk.format(nil, nil, nil, body)
end
"""


def fill(database_url: str) -> tuple[int, str]:
    """A verified supplier, PRODUCTS products with stock for any run, a buyer and their token."""
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import User
    from marketplace.extensions import db

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
    with app.app_context():
        accounts.register_user("bench-buyer@example.test", "bench password", "bench")
        user = db.session.scalar(db.select(User).where(User.email == "bench-buyer@example.test"))
        token = accounts.issue_token(user).access_token
    return first, token


def bare_loop(database_url: str, first: int, buyer_id: int, threads: int, seconds: int) -> Figures:
    """The same writes an order makes, from psycopg directly."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        with psycopg.connect(database_url) as conn:
            while time.monotonic() < stop:
                started = time.perf_counter()
                a, b = sorted(rng.sample(range(first, first + PRODUCTS), 2))
                with conn.transaction():
                    for pid, q in ((a, 1), (b, 2)):
                        conn.execute("SELECT id FROM products WHERE id = %s FOR UPDATE", (pid,))
                        conn.execute(
                            "UPDATE products SET stock = stock - %s WHERE id = %s AND stock >= %s",
                            (q, pid, q),
                        )
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
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Figures(
        "bare psycopg loop (same writes)", len(latencies) / seconds, pick(0.5), pick(0.99), len(latencies), 0
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when above 1)")
    args = parser.parse_args()

    database_url = fresh_database("marketplace_bench_orders")
    first, token = fill(database_url)
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(
        database_url,
        MARKETPLACE_ENV="development",
        MARKETPLACE_PAYMENT_GATEWAY="dev",
        REDIS_URL=REDIS_URL,
        MARKETPLACE_LOGIN_RATE_LIMIT="100000 per minute",
        # One buyer stands in for a crowd, leaving every order unpaid.
        MARKETPLACE_ORDER_MAX_UNPAID_PER_BUYER="100000000",
        MARKETPLACE_ORDER_HOLD_MAX_UNITS="100000000",
    )
    with tempfile.TemporaryDirectory() as tmp:
        order_script = Path(tmp) / "order.lua"
        order_script.write_text(
            ORDER_LUA % {"token": token, "first": first, "span": PRODUCTS - 1, "count": PRODUCTS}
        )
        rows = []
        with gunicorn("marketplace:create_app()", env, workers=args.workers, threads=args.threads) as url:
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
                buyer_id = conn.execute("SELECT id FROM users LIMIT 1").fetchone()[0]
            rows.append(bare_loop(database_url, first, buyer_id, args.connections, args.seconds))
        with psycopg.connect(database_url) as conn:
            orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
            negative = conn.execute("SELECT count(*) FROM products WHERE stock < 0").fetchone()[0]
    kind = (
        f"{args.workers} gthread workers x {args.threads} threads"
        if args.threads > 1
        else f"{args.workers} sync workers"
    )
    report(
        f"orders: {PRODUCTS} hot products, gunicorn {kind}, PostgreSQL, {args.connections} connections",
        rows,
        baseline="bare psycopg loop (same writes)",
    )
    print(f"rows written: {orders} orders; products below zero stock: {negative}")


if __name__ == "__main__":
    main()
