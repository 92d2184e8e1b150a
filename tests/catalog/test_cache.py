"""The catalog's cache keys on the arguments a listing reads, normalised, and holds at most
CACHE_MAX_BYTES: junk parameters cannot grow it, nor can distinct real ones beyond its bound."""

import redis

from tests.factories import ProductFactory


def held(app, redis_url) -> tuple[int, int]:
    """(entries, bytes of their values) the catalog's cache holds, in Redis or in memory."""
    if not redis_url:
        backend = app.extensions["response_cache"]
        return len(backend), backend.size_bytes
    client = redis.Redis.from_url(redis_url)
    entries = size = 0
    for key in client.scan_iter(f"{app.config['RATELIMIT_KEY_PREFIX']}:cache:catalog:*"):
        if key.endswith(b":version"):
            continue
        if client.type(key) == b"hash":
            values = [v for f, v in client.hscan_iter(key) if f != b"#bytes"]
        else:
            values = [client.get(key)]
        entries, size = entries + len(values), size + sum(len(v) for v in values if v)
    return entries, size


def test_two_thousand_junk_parameters_add_no_entries(app, client, redis_url):
    ProductFactory(name="奉节脐橙")
    caches = [client.get(f"/api/v1/products?bust={n}").headers["X-Cache"] for n in range(2000)]
    assert caches.count("miss") == 1 and caches.count("hit") == 1999
    assert held(app, redis_url)[0] == 1
    if redis_url:  # and the one entry dies with its TTL
        entries = f"{app.config['RATELIMIT_KEY_PREFIX']}:cache:catalog:entries"
        assert 0 < redis.Redis.from_url(redis_url).ttl(entries) <= app.config["CATALOG_CACHE_SECONDS"]


def test_the_same_listing_asked_differently_is_one_entry(app, client, redis_url):
    ProductFactory(name="奉节脐橙")
    asked = [
        "?certified=true&category=fruit",
        "?category=fruit&certified=1",
        "?certified=True&category=fruit&page=1&page_size=20&_=1733000000",
        "?category=fruit&category=vegetables&certified=true",  # the first value, as the view reads it
    ]
    assert [client.get(f"/api/v1/products{q}").headers["X-Cache"] for q in asked] == [
        "miss",
        "hit",
        "hit",
        "hit",
    ]
    assert client.get("/api/v1/products?certified=maybe").status_code == 422
    assert held(app, redis_url)[0] == 1


def test_the_cache_holds_at_most_its_bytes(app, client, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "CACHE_MAX_BYTES", 64 * 1024)
    for n in range(20):
        ProductFactory(name=f"奉节脐橙{n}号", description="奉节县高山脐橙，当季采摘。" * 20)
    page = len(client.get("/api/v1/products?min_price_fen=1").get_data())
    assert page > 4 * 1024  # so that 100 pages would be 400 KiB
    for n in range(2, 102):  # distinct real filters: each a page of its own
        assert client.get(f"/api/v1/products?min_price_fen={n}").status_code == 200
    entries, size = held(app, redis_url)
    assert 1 <= entries < 100 and size <= 64 * 1024
    assert client.get("/api/v1/products?min_price_fen=1").status_code == 200
