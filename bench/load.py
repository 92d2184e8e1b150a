"""Load run: a realistic mix at a steady rate against gunicorn on PostgreSQL and Redis, with a
Celery worker processing the payments, then the books checked.

    .venv/bin/python bench/load.py [--seconds 120] [--rate 40 [80 ...]] [--worker-class gthread]
        [--workers 3] [--worker-threads 8] [--worker-connections 100] [--database NAME] [--reuse]

The world is the demo data (58 suppliers, their products, agencies, targets, 6,000 past sales),
with stock raised so that no order meets an empty shelf. User actions start at a fixed rate
(open loop: a slow answer does not slow the arrivals), chosen by weight:

- 70% catalog: a category page, a Chinese search, a product, the region tree (anonymous)
- 15% web orders: 16 buyers place an order, pay it at Stripe (the tests' Stripe-compatible
  server, through the real SDK) and Stripe's signed webhook arrives; one in ten of these actions
  is instead an admin refunding part of a paid order
- 10% purchase orders: the demo agency's desk and the two demo suppliers take the next step of a
  purchase order (draft, submit, confirm, ship, receive, invoice, bank payment)
- 5% tallies: an officer reads targets, a target's progress and a tally by county and month

Reported: actions and requests per second, p50 and p99 per endpoint, and every answer that is not
2xx (which must be none). Then, once the worker has drained the queue: stock conservation (every
unit that left a shelf is held by an order or a purchase order), and the run's ledger equal to the
payments received minus refunds, on our books and on the provider's.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
import urllib3  # noqa: E402

from bench.common import (  # noqa: E402
    ADMIN_URL,
    BIN,
    ROOT,
    WEBHOOK_SECRET,
    add_server_options,
    describe_server,
    fresh_database,
    gunicorn,
    local_app,
    log,
    server_env,
    server_options,
    stripe_compatible,
)

DATABASE = "marketplace_bench_load"
REDIS_URL = "redis://127.0.0.1:6379/13"
BUYERS = 16
# 16 buyers stand in for a crowd: each places far more orders than a person would, and the worker
# may not have processed the last one's payment when the next is placed.
BUYER_LIMITS = {"MARKETPLACE_ORDER_MAX_UNPAID_PER_BUYER": "1000"}
SEARCHES = ["脐橙", "脆李", "土豆", "蜂蜜", "茶叶", "花椒", "腊肉", "核桃", "红薯", "苹果"]
ADDRESS = {
    "region_code": "370102",
    "detail": "济南市历下区泉城路 1 号",
    "recipient": "张伟",
    "phone": "13900001111",
}
MIX = [("catalog", 70), ("order", 15), ("purchase_order", 10), ("tallies", 5)]


class Answer:
    """What an action reads of an answer (as requests' Response would tell it)."""

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body
        self.ok = status_code < 400

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Stats:
    """Latencies and statuses per endpoint (method and path template)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, list[str]] = defaultdict(list)

    def call(
        self,
        http: urllib3.PoolManager,
        name: str,
        method: str,
        url: str,
        params: dict | None = None,
        headers: dict | None = None,
        **body,
    ) -> Answer:
        """One request on the thread's own kept-alive connections: urllib3 spends a third of the CPU
        requests does on each (0.44 ms against 1.3 ms here), CPU the servers on the same cores need."""
        headers = dict(headers or {})
        if "json" in body:
            data = json.dumps(body["json"]).encode()
            headers["Content-Type"] = "application/json"
        else:
            data = body.get("data")
        if params:
            url += "?" + urlencode(params)
        started = time.perf_counter()
        raw = http.request(method, url, body=data, headers=headers, timeout=30, retries=False)
        response = Answer(raw.status, raw.data)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies[name].append(elapsed)
            if not response.ok:
                self.failures[name].append(f"{response.status_code} {response.text[:200]}")
        return response


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class World:
    """Who acts, on what: read from the demo database, with tokens issued in-process."""

    def __init__(self, database_url: str, base: str, stripe_server) -> None:
        self.base, self.stripe = base, stripe_server
        self.tokens = issue_tokens(database_url)
        self.products = on_sale(base)
        on_sale_ids = set(self.products)
        with psycopg.connect(database_url) as conn:
            self.categories = [r[0] for r in conn.execute("SELECT DISTINCT category_code FROM products")]
            self.desk = conn.execute(
                "SELECT id FROM agencies WHERE name = '山东省农业农村厅机关服务中心'"
            ).fetchone()[0]
            self.supplier_products = {}
            for email in ("supplier@demo.test", "supplier2@demo.test"):
                self.supplier_products[email] = [
                    r[0]
                    for r in conn.execute(
                        "SELECT p.id FROM products p JOIN supplier_members m ON m.supplier_id = p.supplier_id "
                        "JOIN users u ON u.id = m.user_id WHERE u.email = %s AND p.is_active "
                        "AND p.certificate_no IS NOT NULL",
                        (email,),
                    )
                    if r[0] in on_sale_ids
                ]
        self.lock = threading.Lock()
        self.paid_orders: list[int] = []
        self.purchase_orders: list[dict] = []  # in flight, each with its next steps
        self.serial = iter(range(1, 10**9))
        self.run = f"{time.time_ns():x}"  # idempotency keys unique to this run, on a reused database too

    def headers(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[email]}"}


def on_sale(base: str) -> list[int]:
    """The products the public catalog offers (on sale, their supplier verified)."""
    ids, page = [], 1
    while batch := requests.get(f"{base}/api/v1/products", params={"page": page, "page_size": 100}).json():
        ids += [product["id"] for product in batch]
        page += 1
    return ids


def issue_tokens(database_url: str) -> dict[str, str]:
    """Sign in the demo accounts and BUYERS buyers of the run's own (as the served app would)."""
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    app = local_app(database_url)
    tokens = {}
    with app.app_context():
        for n in range(BUYERS):
            email = f"buyer{n}@load.test"
            if db.session.scalar(db.select(User).where(User.email == email)) is None:
                accounts.register_user(email, "load buyer pass", f"买家{n}")
        for user in db.session.scalars(db.select(User)):
            tokens[user.email] = accounts.issue_token(user).access_token
    return tokens


def catalog(world: World, stats: Stats, http: urllib3.PoolManager, rng: random.Random) -> None:
    api = world.base + "/api/v1"
    roll = rng.random()
    if roll < 0.35:
        stats.call(http, "GET /products/{id}", "GET", f"{api}/products/{rng.choice(world.products)}")
    elif roll < 0.65:
        stats.call(
            http,
            "GET /products?category=",
            "GET",
            f"{api}/products",
            params={"category": rng.choice(world.categories)},
        )
    elif roll < 0.90:
        stats.call(http, "GET /products?q=", "GET", f"{api}/products", params={"q": rng.choice(SEARCHES)})
    else:
        stats.call(http, "GET /regions?parent=", "GET", f"{api}/regions", params={"parent": "500000"})


def order(world: World, stats: Stats, http: urllib3.PoolManager, rng: random.Random) -> None:
    api = world.base + "/api/v1"
    if rng.random() < 0.1:
        with world.lock:
            order_id = world.paid_orders.pop(0) if world.paid_orders else None
        if order_id is not None:
            refund(world, stats, http, order_id)
            return
    buyer = world.headers(f"buyer{rng.randrange(BUYERS)}@load.test")
    items = [
        {"product_id": product, "quantity": rng.randint(1, 3)}
        for product in rng.sample(world.products, rng.randint(1, 3))
    ]
    placed = stats.call(
        http,
        "POST /orders",
        "POST",
        f"{api}/orders",
        json={
            "items": items,
            "shipping_address": ADDRESS,
            "payment_method": rng.choice(["alipay", "wechat_pay"]),
        },
        headers={**buyer, "Idempotency-Key": f"load-{world.run}-{next(world.serial)}"},
    )
    if placed.status_code != 201:
        return
    body = placed.json()
    intent = world.stripe.succeed(body["payment"]["payment_intent_id"])
    payload, signature = world.stripe.event("payment_intent.succeeded", intent, WEBHOOK_SECRET)
    received = stats.call(
        http,
        "POST /webhooks/stripe",
        "POST",
        f"{api}/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    if received.ok:
        with world.lock:
            world.paid_orders.append(body["id"])


def refund(world: World, stats: Stats, http: urllib3.PoolManager, order_id: int) -> None:
    """An admin refunds one unit of the order's first line (a damaged box, say), once it is paid."""
    admin = world.headers("admin@demo.test")
    api = world.base + "/api/v1"
    seen = stats.call(http, "GET /orders/{id}", "GET", f"{api}/orders/{order_id}", headers=admin).json()
    if seen["status"] != "paid":  # the worker has not got to it yet: come back later
        with world.lock:
            world.paid_orders.append(order_id)
        return
    line = seen["lines"][0]
    stats.call(
        http,
        "POST /orders/{id}/refunds",
        "POST",
        f"{api}/orders/{order_id}/refunds",
        json={"lines": [{"line_id": line["id"], "quantity": 1}]},
        headers=admin,
    )


def purchase_order(world: World, stats: Stats, http: urllib3.PoolManager, rng: random.Random) -> None:
    """The next step of a purchase order in flight, or a new draft when few are."""
    with world.lock:
        busy = world.purchase_orders and (len(world.purchase_orders) >= 6 or rng.random() < 0.7)
        flight = world.purchase_orders.pop(0) if busy else None
    api = world.base + "/api/v1"
    if flight is None:
        lines = [
            {"product_id": rng.choice(world.supplier_products[email]), "quantity": rng.randint(5, 20)}
            for email in ("supplier@demo.test", "supplier2@demo.test")
        ]
        r = stats.call(
            http,
            "POST /purchase-orders",
            "POST",
            f"{api}/purchase-orders",
            json={"agency_id": world.desk, "lines": lines, "delivery_address": "济南市历下区 机关食堂"},
            headers=world.headers("purchaser@demo.test"),
        )
        if r.status_code == 201:
            with world.lock:
                world.purchase_orders.append({"order": r.json(), "steps": po_steps(world, r.json())})
        return
    email, path, body = flight["steps"].pop(0)
    if path == "approve" and flight["order"]["status"] != "submitted":
        email, path, body = flight["steps"].pop(0)  # approved on submission: below every tier
    r = stats.call(
        http,
        f"POST /purchase-orders/{{id}}/{path}",
        "POST",
        f"{api}/purchase-orders/{flight['order']['id']}/{path}",
        json=body(flight["order"]) if callable(body) else body,
        headers=world.headers(email),
    )
    if r.ok and email == "purchaser@demo.test":  # a supplier's answer shows its own lines only
        flight["order"] = r.json()
    if flight["steps"] and r.ok:
        with world.lock:
            world.purchase_orders.append(flight)


def po_steps(world: World, draft: dict) -> list[tuple[str, str, object]]:
    n = next(world.serial)
    a, b = "supplier@demo.test", "supplier2@demo.test"

    def part_total(email: str):
        return lambda order: sum(
            line["unit_price_fen"] * line["quantity"]
            for line in order["lines"]
            if line["product_id"] in world.supplier_products[email]
        )

    def receipts(order: dict) -> dict:
        return {
            "lines": [
                {"line_id": line["id"], "quantity_received": line["quantity"]} for line in order["lines"]
            ]
        }

    return [
        ("purchaser@demo.test", "submit", {}),
        ("approver@demo.test", "approve", {}),
        (a, "confirm", {}),
        (b, "confirm", {}),
        (a, "ship", {"carrier": "中国邮政", "tracking_no": f"EMS{n:09d}A"}),
        (b, "ship", {"carrier": "顺丰", "tracking_no": f"SF{n:010d}B"}),
        ("purchaser@demo.test", "receipts", receipts),
        (a, "invoices", lambda order: {"invoice_no": f"3700{n:08d}", "amount_fen": part_total(a)(order)}),
        (b, "invoices", lambda order: {"invoice_no": f"5300{n:08d}", "amount_fen": part_total(b)(order)}),
        (
            "admin@demo.test",
            "payments",
            lambda order: {
                "amount_fen": order["total_fen"],
                "method": "bank_transfer",
                "reference": f"ICBC{n:012d}",
            },
        ),
    ]


def tallies(world: World, stats: Stats, http: urllib3.PoolManager, rng: random.Random) -> None:
    api = world.base + "/api/v1"
    officer = world.headers("chongqing.officer@demo.test")
    roll = rng.random()
    if roll < 0.5:
        listed = stats.call(http, "GET /targets", "GET", f"{api}/targets", headers=officer).json()
        if listed:
            target = rng.choice(listed)["id"]
            stats.call(
                http, "GET /targets/{id}/progress", "GET", f"{api}/targets/{target}/progress", headers=officer
            )
    else:
        stats.call(
            http,
            "GET /tallies",
            "GET",
            f"{api}/tallies",
            params={"group_by": "origin_county,month", "year": 2026, "origin_region": "500000"},
            headers=officer,
        )


def cpu_seconds(database_url: str) -> dict[str, float]:
    """CPU time used so far by this process (the load generator, with the Stripe-compatible server
    it hosts), the gunicorn and Celery processes it started, and the database's PostgreSQL backends."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, used, names = {}, {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        names[pid] = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        parents[pid], used[pid] = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = {
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        }
    totals = defaultdict(float, {"load generator": used.get(os.getpid(), 0.0)})
    for pid in used:
        ancestor = parents.get(pid)
        while ancestor and ancestor != os.getpid():
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid() and names[pid] in ("gunicorn", "celery"):
            totals[names[pid]] += used[pid]
        elif pid in backends:
            totals["postgres"] += used[pid]
    return totals


ACTIONS = {"catalog": catalog, "order": order, "purchase_order": purchase_order, "tallies": tallies}


def drive(world: World, stats: Stats, seconds: int, rate: float, threads: int) -> dict:
    """Start actions at `rate` per second for `seconds`, on a pool of `threads` (open loop)."""
    rng = random.Random(20261122)
    names, weights = zip(*MIX, strict=True)
    local = threading.local()
    late = []

    def run(name: str, seed: int) -> None:
        if not hasattr(local, "http"):
            local.http = urllib3.PoolManager(maxsize=1)
        ACTIONS[name](world, stats, local.http, random.Random(seed))

    counts: dict[str, int] = defaultdict(int)
    started = time.monotonic()
    futures = []
    with ThreadPoolExecutor(threads) as pool:
        for i in range(int(seconds * rate)):
            due = started + i / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                late.append(-wait)
            name = rng.choices(names, weights)[0]
            counts[name] += 1
            futures.append(pool.submit(run, name, rng.randrange(2**32)))
        for future in futures:
            future.result()
    return {
        "elapsed": time.monotonic() - started,
        "actions": dict(counts),
        "late_max_s": max(late, default=0),
    }


def start_worker(env: dict[str, str], concurrency: int = 2, name: str = "load") -> subprocess.Popen:
    """A Celery worker with `concurrency` pool processes, named `name` (unique among the workers)."""
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "workers",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def drain(database_url: str, seconds: int = 120, before: dict[str, int] | None = None) -> None:
    """Wait until the worker has processed every webhook event stored since the marks `before`
    (those of a reused database's earlier, interrupted run are not this run's)."""
    deadline = time.monotonic() + seconds
    after = (before or {}).get("webhook_events", 0)
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            left = conn.execute(
                "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND id > %s", (after,)
            ).fetchone()[0]
            if not left:
                return
            time.sleep(0.5)
    raise SystemExit(f"{left} webhook events still unprocessed after {seconds} s")


def marks(conn: psycopg.Connection) -> dict[str, int]:
    """The highest ids before the run: what comes after is the run's."""
    tables = ["orders", "refunds", "purchase_orders", "ledger_entries", "webhook_events"]
    return {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in tables}


def provider_books(stripe_server) -> int:
    """Payments received minus refunds at the provider, in fen."""
    received = sum(
        i.get("amount_received", 0) for i in stripe_server.intents.values() if i["status"] == "succeeded"
    )
    return received - sum(r["amount"] for r in stripe_server.refunds.values() if r["status"] == "succeeded")


def check_invariants(
    database_url: str,
    before: dict[str, int],
    stock_before: dict[int, int],
    stripe_server,
    provider_before: int = 0,
) -> bool:
    """The run's books (what came after `before`, and the provider's since `provider_before`)."""
    with psycopg.connect(database_url) as conn:
        held = dict(
            conn.execute(
                """
                SELECT product_id, sum(quantity) FROM (
                  SELECT l.product_id, l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id
                   WHERE o.id > %(orders)s AND o.status NOT IN ('cancelled', 'expired')
                  UNION ALL
                  SELECT l.product_id, l.quantity FROM purchase_order_lines l
                    JOIN purchase_orders p ON p.id = l.order_id
                   WHERE p.id > %(purchase_orders)s AND l.status <> 'declined'
                     AND p.status NOT IN ('draft', 'rejected', 'cancelled')
                ) held GROUP BY product_id
                """,
                before,
            ).fetchall()
        )
        stock_after = dict(conn.execute("SELECT id, stock FROM products").fetchall())
        unbalanced = {
            p: (stock_before[p], stock_after[p], held.get(p, 0))
            for p in stock_before
            if stock_before[p] - stock_after[p] != held.get(p, 0)
        }
        web_ledger, po_ledger = conn.execute(
            "SELECT coalesce(sum(amount_fen) FILTER (WHERE source_key NOT LIKE 'po_line:%%'), 0), "
            "coalesce(sum(amount_fen) FILTER (WHERE source_key LIKE 'po_line:%%'), 0) "
            "FROM ledger_entries WHERE id > %(ledger_entries)s",
            before,
        ).fetchone()
        received = conn.execute(
            "SELECT coalesce(sum(p.amount_received_fen), 0) FROM payments p JOIN orders o ON o.id = p.order_id "
            "WHERE o.id > %(orders)s AND p.status = 'succeeded'",
            before,
        ).fetchone()[0]
        refunded = conn.execute(
            "SELECT coalesce(sum(amount_fen), 0) FROM refunds WHERE id > %(refunds)s AND status = 'succeeded'",
            before,
        ).fetchone()[0]
        bank = conn.execute(
            "SELECT coalesce(sum(b.amount_fen), 0) FROM po_bank_payments b JOIN purchase_orders p ON p.id = b.order_id "
            "WHERE p.id > %(purchase_orders)s AND p.status = 'paid'",
            before,
        ).fetchone()[0]
        paid_pos = conn.execute(
            "SELECT count(*) FROM purchase_orders WHERE id > %(purchase_orders)s AND status = 'paid'", before
        ).fetchone()[0]
    provider = provider_books(stripe_server) - provider_before
    checks = [
        (
            f"stock conserved on all {len(stock_before):,} products",
            not unbalanced,
            f"unbalanced: {unbalanced}",
        ),
        (
            f"web ledger {web_ledger / 100:,.2f} = payments {received / 100:,.2f} - refunds {refunded / 100:,.2f}",
            web_ledger == received - refunded,
            "",
        ),
        (f"web ledger = the provider's books ({provider / 100:,.2f})", web_ledger == provider, ""),
        (
            f"procurement ledger {po_ledger / 100:,.2f} = bank payments of the {paid_pos} paid purchase orders "
            f"{bank / 100:,.2f}",
            po_ledger == bank,
            "",
        ),
    ]
    print("\ninvariants")
    for text, ok, detail in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}" + ("" if ok else f"  {detail}"))
    return all(ok for _, ok, _ in checks)


def report(stats: Stats, outcome: dict, rate: float, results_name: str = "load") -> int:
    """Print the run's figures and keep them in bench/results/<results_name>.json; returns the errors."""
    elapsed = outcome["elapsed"]
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.failures.values())
    actions = sum(outcome["actions"].values())
    mix = ", ".join(f"{name} {n / actions:.0%}" for name, n in outcome["actions"].items())
    print(
        f"\nload run: {actions:,} actions in {elapsed:.0f} s ({actions / elapsed:.1f}/s, asked {rate:g}/s; "
        f"latest start {outcome['late_max_s'] * 1000:.0f} ms behind schedule); {mix}"
    )
    print(f"{total:,} requests, {total / elapsed:.1f}/s, answers other than 2xx: {errors}")
    print(f"{'endpoint':40} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    rows = []
    for name in sorted(stats.latencies, key=lambda n: -len(stats.latencies[n])):
        values = stats.latencies[name]
        row = {
            "endpoint": name,
            "requests": len(values),
            "requests_per_s": len(values) / elapsed,
            "p50_ms": percentile(values, 0.50),
            "p99_ms": percentile(values, 0.99),
            "errors": len(stats.failures[name]),
        }
        rows.append(row)
        print(
            f"{name:40} {row['requests']:9,} {row['requests_per_s']:7.1f} {row['p50_ms']:8.1f} "
            f"{row['p99_ms']:8.1f} {row['errors']:7}"
        )
    for name, failures in stats.failures.items():
        for failure in failures[:3]:
            print(f"  {name}: {failure}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"{results_name}.json").write_text(
        json.dumps({"outcome": outcome, "endpoints": rows}, indent=2)
    )
    return errors


def prepare(database: str, redis_url: str, reuse: bool = False) -> tuple[str, dict[str, int], dict[int, int]]:
    """The run's database with the demo data and stock raised (or, with `reuse`, as an earlier run
    left it), and Redis emptied; returns its URL, the marks before the run and every product's stock."""
    if reuse:
        redis.Redis.from_url(redis_url).flushdb()
        database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + database
        return database_url, *marks_and_stock(database_url)
    database_url = fresh_database(database)
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "flask"), "seed", "demo"],
        env=server_env(database_url, MARKETPLACE_ENV="development"),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log(f"demo data loaded in {time.monotonic() - started:.0f} s")
    redis.Redis.from_url(redis_url).flushdb()
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE products SET stock = stock + 1000000 WHERE is_active")
        conn.commit()
    return database_url, *marks_and_stock(database_url)


def marks_and_stock(database_url: str) -> tuple[dict[str, int], dict[int, int]]:
    """The marks before a run and every product's stock."""
    with psycopg.connect(database_url) as conn:
        return marks(conn), dict(conn.execute("SELECT id, stock FROM products").fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=120, help="length of the run at each rate")
    parser.add_argument(
        "--rate",
        type=float,
        nargs="+",
        default=[40.0],
        help="user actions started per second; several rates run in turn on the same servers and database",
    )
    add_server_options(parser, worker_class="gthread", workers=3, threads=8)  # the README's production choice
    parser.add_argument("--threads", type=int, default=32, help="client threads (concurrent actions at most)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="a Redis database the run may empty")
    parser.add_argument("--database", default=DATABASE, help="the database to (re)create for the run")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="run on the database an earlier run built (its books are not counted)",
    )
    args = parser.parse_args()

    database_url, before, stock_before = prepare(args.database, args.redis_url, args.reuse)
    failed = False
    with stripe_compatible() as (stripe_server, stripe_env):
        env = server_env(database_url, REDIS_URL=args.redis_url, **stripe_env, **BUYER_LIMITS)
        worker = start_worker(env)
        try:
            with gunicorn("marketplace:create_app()", env, **server_options(args)) as base:
                world = World(database_url, base, stripe_server)
                for n, rate in enumerate(args.rate):
                    if n:  # the books of each rate's run are its own: nothing carried over
                        world.paid_orders.clear()
                        world.purchase_orders.clear()
                        before, stock_before = marks_and_stock(database_url)
                    provider_before = provider_books(stripe_server)
                    stats = Stats()
                    log(f"driving {rate:g} actions/s for {args.seconds} s against {describe_server(args)}")
                    cpu_before = cpu_seconds(database_url)
                    outcome = drive(world, stats, args.seconds, rate, args.threads)
                    cpu_after = cpu_seconds(database_url)
                    outcome["cpu_cores"] = {
                        k: (cpu_after[k] - cpu_before.get(k, 0.0)) / outcome["elapsed"] for k in cpu_after
                    }
                    outcome["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
                    name = "load" if len(args.rate) == 1 else f"load_{rate:g}"
                    errors = report(stats, outcome, rate, results_name=name)
                    print(
                        "CPU (cores): "
                        + ", ".join(f"{k} {v:.2f}" for k, v in outcome["cpu_cores"].items())
                        + f"; load average {' '.join(outcome['loadavg'])}"
                    )
                    drain(database_url, before=before)
                    balanced = check_invariants(
                        database_url, before, stock_before, stripe_server, provider_before
                    )
                    failed |= bool(errors) or not balanced
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
