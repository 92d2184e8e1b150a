"""Benchmark: target progress and tallies over 10,000,000 ledger entries on PostgreSQL, beside the
plain SUM over the raw entries in the same run; and the ledger's write rate while orders are paid.

1. A fresh database with the demo catalog and the seeds' targets (`flask seed demo`), and
   --entries ledger entries COPYed in over the years since 2023: seasonal (winter peak), growing
   year on year, 60% bought in the origin's paired provinces, channels and certificates mixed as
   in the demo, 2% refunds. Then `flask ledger rebuild-rollup` builds the monthly rollup.
2. Through gunicorn, one connection: GET /targets/{id}/progress for every target, and
   GET /tallies?group_by=origin_county,month&year=<this year>, each --repeat times; beside each,
   the plain SUM (grouped, for the tally) over ledger_entries for the same slice, from psycopg.
3. Write rate: 16 threads place web orders and pay them for --seconds, through the Stripe SDK
   against the tests' Stripe-compatible server and its signed payment_intent.succeeded webhooks
   (the development gateway keeps payments in one process's memory; gunicorn runs two);
   entries written per second, with the rollup kept in the same transactions.

    .venv/bin/python bench/tallies.py [--entries 10000000] [--repeat 20] [--seconds 20]
"""

import argparse
import math
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import requests  # noqa: E402

from bench.common import (
    ADMIN_URL,
    BIN,
    ROOT,
    fresh_database,
    gunicorn,
    local_app,
    log,
    pay,
    server_env,
    stripe_compatible,
)  # noqa: E402

FIRST_DAY = date(2023, 1, 1)
CHANNELS = [("web", 50), ("procurement", 25), ("union", 10), ("counter", 8), ("hall", 5), ("zone", 2)]
DEV = {"MARKETPLACE_ENV": "development", "MARKETPLACE_PAYMENT_GATEWAY": "dev"}


def seed(database_url: str) -> None:
    env = server_env(database_url, **DEV)
    log("flask seed demo")
    subprocess.run([str(BIN / "flask"), "seed", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)


def load_entries(database_url: str, count: int) -> None:
    """COPY `count` entries, generated in Python with the shape the docstring gives."""
    rng = random.Random(2026)
    with psycopg.connect(database_url) as conn:
        products = conn.execute(
            "SELECT p.id, p.supplier_id, p.category_code, r.code, r.parent_code, "
            "left(r.code, 2) || '0000', p.price_fen, p.net_weight_g, p.certificate_no FROM products p "
            "JOIN regions r ON r.code = p.origin_region_code"
        ).fetchall()
        counties = conn.execute(
            "SELECT r.code, CASE WHEN p.level = 'city' THEN p.code END, left(r.code, 2) || '0000' FROM regions r "
            "LEFT JOIN regions p ON p.code = r.parent_code WHERE r.level = 'county'"
        ).fetchall()
        pairs = conn.execute(
            "SELECT DISTINCT left(assisted_region_code, 2) || '0000', left(helper_region_code, 2) || '0000' "
            "FROM pairings"
        ).fetchall()
    helpers = defaultdict(list)
    for assisted, helper in pairs:
        helpers[assisted].append(helper)
    by_province = defaultdict(list)
    for county in counties:
        by_province[county[2]].append(county)
    days = [FIRST_DAY + timedelta(days=n) for n in range((date.today() - FIRST_DAY).days)]
    weights = [
        (1 + 0.6 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 15) / 365)) * 1.15 ** (d.year - 2023)
        for d in days
    ]
    channels, channel_weights = zip(*CHANNELS, strict=True)
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY ledger_entries (source_key, sale_date, amount_fen, quantity, product_id, category_code, "
            "supplier_id, origin_county_code, origin_city_code, origin_province_code, buyer_region_code, "
            "buyer_city_code, buyer_province_code, delivery_region_code, channel, mechanism, paired_purchase, "
            "certificate_no, weight_g) FROM STDIN"
        ) as copy:
            chunk = 100_000
            for start in range(0, count, chunk):
                n = min(chunk, count - start)
                sale_days = rng.choices(days, weights, k=n)
                picked = rng.choices(products, k=n)
                chans = rng.choices(channels, channel_weights, k=n)
                lines = []
                for i in range(n):
                    pid, supplier, category, county, city, province, price, weight, cert = picked[i]
                    roll = rng.random()
                    paired_to = helpers.get(province)
                    if roll < 0.6 and paired_to:
                        buyer_province = rng.choice(paired_to)
                    elif roll < 0.85:
                        buyer_province = province
                    else:
                        buyer_province = rng.choice(list(by_province))
                    buyer = rng.choice(by_province[buyer_province])
                    channel = chans[i]
                    paired = buyer_province in (paired_to or ())
                    bulk = channel in ("procurement", "union")
                    mechanism = "east_west" if paired else "government_procurement" if bulk else "social"
                    quantity = rng.randint(10, 200) if bulk else rng.randint(1, 5)
                    amount, sign = price * quantity, 1
                    if rng.random() < 0.02:  # a refund
                        amount, quantity, sign = -(amount // 2) or -1, 0, -1
                    certificate = cert if cert and rng.random() < 0.95 else None
                    city_code = city if city and city != province else None
                    lines.append(
                        "\t".join(
                            (
                                f"bench:{start + i}",
                                sale_days[i].isoformat(),
                                str(amount),
                                str(quantity),
                                str(pid),
                                category,
                                str(supplier),
                                county,
                                city_code or "\\N",
                                province,
                                buyer[0],
                                buyer[1] or "\\N",
                                buyer[2],
                                buyer[0],
                                channel,
                                mechanism,
                                "t" if paired and bulk else "f",
                                certificate or "\\N",
                                str(quantity * weight * sign) if weight else "\\N",
                            )
                        )
                    )
                copy.write("\n".join(lines) + "\n")
                done = start + n
                if done % 1_000_000 == 0 or done == count:
                    log(f"entries: {done:,} of {count:,} ({time.perf_counter() - started:.0f} s)")
        conn.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ledger_entries")


def timed(call, repeat: int) -> tuple[float, float]:
    """Median and worst of `repeat` calls, in ms, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def compiled(stmt) -> str:
    from sqlalchemy.dialects import postgresql

    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def measure_reads(database_url: str, repeat: int) -> None:
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.ledger import tallies as ledger
    from marketplace.ledger import targets
    from marketplace.ledger.models import LedgerEntry, Target

    app = local_app(database_url)
    year = date.today().year
    with app.app_context():
        raw_targets = {
            t.id: (
                t.name,
                compiled(
                    select(*ledger.sums(LedgerEntry)).where(*targets.slice_of(t).conditions(LedgerEntry))
                ),
            )
            for t in db.session.scalars(db.select(Target).order_by(Target.id))
        }
        raw_tally = compiled(ledger.tally_statement(["origin_county", "month"], {"year": year}, raw=True))
    with (
        gunicorn("marketplace:create_app()", server_env(database_url, **DEV)) as base,
        psycopg.connect(database_url) as conn,
        requests.Session() as http,
    ):
        token = http.post(
            f"{base}/api/v1/auth/token", json={"email": "admin@demo.test", "password": "demo-admin-pass"}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        print(f"\n{'read':58} {'API p50':>8} {'API max':>8} {'raw p50':>8} {'raw max':>8} {'ratio':>7}")

        def row(name: str, url: str, sql: str) -> None:
            def api():
                response = http.get(url)
                response.raise_for_status()

            api_p50, api_max = timed(api, repeat)
            raw_p50, raw_max = timed(lambda: conn.execute(sql).fetchall(), max(3, repeat // 4))
            print(
                f"{name[:58]:58} {api_p50:8.1f} {api_max:8.1f} {raw_p50:8.1f} {raw_max:8.1f} {raw_p50 / api_p50:6.0f}x"
            )

        for target_id, (name, sql) in raw_targets.items():
            row(f"progress: {name}", f"{base}/api/v1/targets/{target_id}/progress", sql)
        row(
            f"tally by origin county and month, {year}",
            f"{base}/api/v1/tallies?group_by=origin_county,month&year={year}",
            raw_tally,
        )
        print("(ms; API = the whole HTTP request through gunicorn; raw = the plain SUM over ledger_entries)")


def measure_writes(database_url: str, seconds: int, threads: int = 16) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE products SET stock = 1000000000 WHERE is_active")
        product_ids = [
            r[0]
            for r in conn.execute(
                "SELECT p.id FROM products p JOIN suppliers s ON s.id = p.supplier_id "
                "WHERE p.is_active AND s.status = 'verified' ORDER BY p.id LIMIT 200"
            )
        ]
        conn.commit()
        before = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
    stop = time.monotonic() + seconds
    paid = []
    errors = []
    with (
        stripe_compatible() as (stripe_server, stripe_env),
        gunicorn("marketplace:create_app()", server_env(database_url, **stripe_env)) as base,
    ):
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"email": "buyer@demo.test", "password": "demo-buyer-pass"}
        ).json()["access_token"]

        def buyer(n: int) -> None:
            rng = random.Random(n)
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {token}"
                while time.monotonic() < stop:
                    a, b = rng.sample(product_ids, 2)
                    order = http.post(
                        f"{base}/api/v1/orders",
                        json={
                            "items": [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 2}],
                            "shipping_address": {
                                "region_code": "370102",
                                "detail": "济南市历下区泉城路 1 号",
                                "recipient": "张伟",
                                "phone": "13900001111",
                            },
                            "payment_method": "alipay",
                        },
                    )
                    if order.status_code != 201:
                        errors.append(order.status_code)
                        continue
                    webhook = pay(http, base, stripe_server, order.json()["payment"]["payment_intent_id"])
                    (paid if webhook.ok else errors).append(webhook.status_code)

        pool = [threading.Thread(target=buyer, args=(n,)) for n in range(threads)]
        started = time.monotonic()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - started
    with psycopg.connect(database_url) as conn:
        written = conn.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] - before
    print(
        f"\nledger write rate, {threads} buyers placing and paying orders for {elapsed:.0f} s: "
        f"{len(paid) / elapsed:.1f} orders paid/s, {written / elapsed:.1f} entries/s "
        f"({written} entries; answers other than 2xx: {dict(Counter(errors)) or 'none'})"
    )


def build(entries: int) -> str:
    database_url = fresh_database("marketplace_bench_tallies")
    seed(database_url)
    load_entries(database_url, entries)
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "flask"), "ledger", "rebuild-rollup"],
        env=server_env(database_url, **DEV),
        cwd=ROOT,
        check=True,
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ledger_monthly")
        rollup_rows = conn.execute("SELECT count(*) FROM ledger_monthly").fetchone()[0]
    log(
        f"rollup: {rollup_rows:,} rows from {entries:,} entries, built in {time.perf_counter() - started:.0f} s"
    )
    return database_url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure against the database an earlier run built (after `flask db upgrade` on it)",
    )
    args = parser.parse_args()

    if args.reuse:
        database_url = ADMIN_URL.rsplit("/", 1)[0] + "/marketplace_bench_tallies"
        log("reusing marketplace_bench_tallies")
    else:
        database_url = build(args.entries)
    measure_reads(database_url, args.repeat)
    measure_writes(database_url, args.seconds)


if __name__ == "__main__":
    main()
