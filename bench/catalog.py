"""Benchmark: the catalog with 100,000 products on PostgreSQL, at 32 connections.

Measures, in one run and beside the bare-Flask floor:
  - the first page of a category listing and of the whole catalog (?page_size=20), cached in Redis
    after the first hit;
  - a product's page, GET /api/v1/products/{id}, cached the same way;
  - Chinese searches, GET /api/v1/products?q=脐橙: the first page, cached as listings are, and
    page 4, past CATALOG_CACHED_PAGES, which runs the query every time (the same query but for
    its OFFSET): what a search nobody asked in the last minute costs.
The app runs on gunicorn (2 sync workers unless --workers) with Redis for the cache.

    .venv/bin/python bench/catalog.py [--products 100000] [--seconds 15] [--connections 32]
        [--database marketplace_bench_catalog] [--redis redis://127.0.0.1:6379/15]
"""

import argparse
import io
import random
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "seed"))

import psycopg  # noqa: E402
import redis  # noqa: E402
from demo_catalog import COUNTIES, VARIANTS  # noqa: E402

from bench.common import (  # noqa: E402
    BARE,
    add_places,
    bare_flask,
    fresh_database,
    gunicorn,
    log,
    report,
    server_env,
    wrk,
)
from marketplace.catalog.search import index_terms  # noqa: E402
from marketplace.suppliers import uscc  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/15"


def fill(database_url: str, products: int) -> None:
    """Suppliers in every demo county and `products` products, written with COPY."""
    rng = random.Random(7)
    specialties = [(code, short, s) for code, (short, items) in COUNTIES.items() for s in items]
    with psycopg.connect(database_url) as conn:
        supplier_ids = []
        for i in range(500):
            code, short, _ = specialties[i % len(specialties)]
            first17 = "93" + code + f"{i:09d}"
            row = conn.execute(
                "INSERT INTO suppliers (name, kind, uscc, region_code, linkage_modes, households_linked, "
                "contact_name, contact_phone, status) VALUES (%s, 'cooperative', %s, %s, '[]', 10, '王明', "
                "'13800000000', 'verified') RETURNING id",
                (f"{short}第{i}专业合作社", first17 + uscc.check_character(first17), code),
            ).fetchone()
            supplier_ids.append((row[0], code, short))
        log(f"500 suppliers; writing {products} products")
        buffer = io.StringIO()
        names = []
        for i in range(products):
            supplier_id, code, short = supplier_ids[i % len(supplier_ids)]
            _, _, (specialty, category, unit, base) = specialties[rng.randrange(len(specialties))]
            suffix, factor = VARIANTS[rng.randrange(len(VARIANTS))]
            name = f"{short}{specialty} {suffix} {i}"
            names.append(name)
            price = int(base * factor)
            buffer.write(f"{supplier_id}\t{name}\t{category}\t{unit}\t{price}\t100\t{code}\t{name}\tt\n")
        buffer.seek(0)
        with conn.cursor().copy(
            "COPY products (supplier_id, name, category_code, unit, price_fen, stock, origin_region_code, "
            "description, is_active) FROM STDIN"
        ) as copy:
            copy.write(buffer.read())
        first_id = conn.execute("SELECT min(id) FROM products").fetchone()[0]
        log("indexing search terms")
        with conn.cursor().copy("COPY product_search_terms (term, product_id) FROM STDIN") as copy:
            for offset, name in enumerate(names):
                copy.write("".join(f"{t}\t{first_id + offset}\n" for t in index_terms(name)))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"{products} products on PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for each server")
    add_places(parser, "marketplace_bench_catalog", REDIS_URL)
    args = parser.parse_args()

    database_url = fresh_database(args.database)
    fill(database_url, args.products)
    with psycopg.connect(database_url) as conn:
        product_id = conn.execute("SELECT min(id) FROM products").fetchone()[0]
    redis.Redis.from_url(args.redis).flushdb()
    env = server_env(database_url, REDIS_URL=args.redis)
    app_server = gunicorn("marketplace:create_app()", env, workers=args.workers)
    bare_server = bare_flask(env, workers=args.workers)
    rows = []
    with app_server as app_url, bare_server as bare_url:
        search = app_url + "/api/v1/products?q=" + quote("脐橙")
        two_words = app_url + "/api/v1/products?sort=price_fen&q=" + quote("奉节 脐橙")
        for name, url in [
            (BARE, bare_url + "/bare"),
            ("listing ?category=fruit (cached)", app_url + "/api/v1/products?category=fruit"),
            ("listing ?page_size=20 (cached)", app_url + "/api/v1/products?page_size=20"),
            (f"product page /products/{product_id} (cached)", app_url + f"/api/v1/products/{product_id}"),
            ("search ?q=脐橙 (cached)", search),
            ("search ?q=脐橙&page=4 (uncached)", search + "&page=4"),
            ("search ?q=奉节 脐橙&sort=price_fen (cached)", two_words),
            ("search ?q=奉节 脐橙&sort=price_fen&page=4 (uncached)", two_words + "&page=4"),
        ]:
            log(f"{name}: {args.connections} connections, {args.seconds}s")
            rows.append(wrk(name, url, args.connections, args.seconds))
        # The uncached search with no queue in front of it: its own latency.
        uncached = search + "&page=4"
        rows.append(
            wrk("search ?q=脐橙&page=4 (uncached), 1 connection", uncached, 1, args.seconds, threads=1)
        )
    report(
        f"catalog: {args.products} products, gunicorn {args.workers} sync workers, PostgreSQL + Redis, "
        f"{args.connections} connections",
        rows,
        baseline=BARE,
    )


if __name__ == "__main__":
    main()
