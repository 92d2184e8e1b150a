"""Benchmark: webhook intake, beside bare Flask and a bare psycopg loop storing the same events.

1. Bare Flask (a small JSON dict, no database) on gunicorn: the floor of any request here.
2. The floor of storing: --connections threads, each with its own psycopg connection, each event
   one INSERT ... ON CONFLICT DO NOTHING and one commit (durable: the provider is answered after it).
3. Signed, unique Stripe events POSTed to /api/v1/webhooks/stripe (verified, stored, answered 200,
   their processing sent to Redis), in events/s accepted.
4. Then a Celery worker drains the queue, and every stored event must have been processed.

    .venv/bin/python bench/webhooks.py [--seconds 15] [--connections 32] [--workers 2] [--threads 1]
"""

import argparse
import hashlib
import hmac
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import redis  # noqa: E402

from bench.common import (  # noqa: E402
    BARE,
    BIN,
    ROOT,
    WEBHOOK_SECRET,
    Figures,
    bare_flask,
    fresh_database,
    gunicorn,
    log,
    report,
    server_env,
    wrk,
)

FLOOR = "bare psycopg INSERT + commit"

WEBHOOK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local threads, events, i = 0, {}, 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
init = function(args)
  for line in io.lines("%(path)s") do
    local sig, body = line:match("^(.-)\\t(.*)$")
    events[#events + 1] = {sig, body}
  end
  i = tid
end
request = function()
  local e = events[(i %% #events) + 1]
  i = i + %(threads)d
  wrk.headers["Stripe-Signature"] = e[1]
  return wrk.format(nil, nil, nil, e[2])
end
"""


def event_body(i: int, now: int, prefix: str) -> str:
    # A charge's event: stored and processed (as one the shop does not act on) with no call to Stripe.
    return json.dumps(
        {
            "id": f"evt_{prefix}_{i:08d}",
            "object": "event",
            "type": "charge.succeeded",
            "created": now,
            "data": {"object": {"id": f"ch_{prefix}_{i}", "object": "charge", "amount": 19860}},
        }
    )


def signed(i: int, now: int, prefix: str) -> tuple[str, str]:
    """(Stripe-Signature, body) of a unique event, signed as Stripe signs."""
    body = event_body(i, now, prefix)
    sig = hmac.new(WEBHOOK_SECRET.encode(), f"{now}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={now},v1={sig}", body


def signed_events(path: Path, count: int) -> None:
    now = int(time.time())
    with open(path, "w") as f:
        for i in range(count):
            f.write("\t".join(signed(i, now, "bench")) + "\n")


def warm_up(url: str, count: int) -> None:
    """Events of their own to every worker first: a worker's first request compiles and connects."""
    now = int(time.time())

    def post(i: int) -> None:
        signature, body = signed(i, now, "warm")
        request = urllib.request.Request(
            url,
            data=body.encode(),
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=60).read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post, range(count)))


def bare_loop(database_url: str, threads: int, seconds: int) -> Figures:
    """What intake must write at least, from psycopg directly: one INSERT and one commit an event."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        mine, i, now = [], 0, int(time.time())
        with psycopg.connect(database_url) as conn:
            while time.monotonic() < stop:
                started = time.perf_counter()
                body = event_body(i, now, f"floor{n}")
                conn.execute(
                    "INSERT INTO webhook_events (provider, event_id, event_type, object_id, payload) "
                    "VALUES ('stripe', %s, 'charge.succeeded', %s, %s) ON CONFLICT (event_id) DO NOTHING "
                    "RETURNING id",
                    (f"evt_floor{n}_{i:08d}", f"ch_floor{n}_{i}", body),
                )
                conn.commit()
                mine.append(time.perf_counter() - started)
                i += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Figures(FLOOR, len(latencies) / seconds, pick(0.5), pick(0.99), len(latencies), 0)


def drain(env: dict[str, str], database_url: str, seconds: int) -> tuple[int, int]:
    """A Celery worker processes what intake queued: (events stored, events processed) when the
    queue has run dry or `seconds` have passed."""
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "workers", "worker", "--pool", "prefork", "--concurrency", "2",
         "--hostname", "webhooks-bench@%h", "--loglevel", "WARNING"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + seconds
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while True:
                stored, processed = conn.execute(
                    "SELECT count(*), count(processed_at) FROM webhook_events WHERE event_id LIKE 'evt_bench_%'"
                ).fetchone()
                if processed == stored or time.monotonic() > deadline:
                    return stored, processed
                time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when above 1)")
    parser.add_argument("--database", default="marketplace_bench_webhooks", help="dropped and made anew")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="flushed first")
    parser.add_argument("--drain-seconds", type=int, default=300, help="how long the worker may take")
    args = parser.parse_args()

    database_url = fresh_database(args.database)
    redis.Redis.from_url(args.redis).flushdb()
    env = server_env(database_url, REDIS_URL=args.redis)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.tsv"
        signed_events(events, 200_000)
        script = Path(tmp) / "webhook.lua"
        script.write_text(WEBHOOK_LUA % {"path": events, "threads": 2})
        with bare_flask(env, workers=args.workers) as url:
            log(f"bare Flask: {args.connections} connections, {args.seconds}s")
            rows.append(wrk(BARE, url + "/bare", args.connections, args.seconds))
        log(f"bare psycopg loop: {args.connections} threads, {args.seconds}s")
        rows.append(bare_loop(database_url, args.connections, args.seconds))
        with gunicorn("marketplace:create_app()", env, workers=args.workers, threads=args.threads) as url:
            warm_up(url + "/api/v1/webhooks/stripe", 20 * args.workers * args.threads)
            log(f"webhook intake: {args.connections} connections, {args.seconds}s")
            rows.append(
                wrk(
                    "POST /api/v1/webhooks/stripe (unique)",
                    url + "/api/v1/webhooks/stripe",
                    args.connections,
                    args.seconds,
                    script=script,
                )
            )
    log("a Celery worker processes what was queued")
    started = time.monotonic()
    stored, processed = drain(env, database_url, args.drain_seconds)
    kind = (
        f"{args.workers} gthread workers x {args.threads} threads"
        if args.threads > 1
        else f"{args.workers} sync workers"
    )
    report(
        f"webhook intake: gunicorn {kind}, PostgreSQL and Redis, {args.connections} connections",
        rows,
        baseline=BARE,
    )
    intake = rows[-1]
    print(f"intake vs {FLOOR}: {intake.requests_per_s / rows[1].requests_per_s:.0%}")
    print(
        f"events stored {stored} (answered 200: {intake.requests - intake.errors}), processed {processed} "
        f"({time.monotonic() - started:.0f} s to drain)"
    )
    if processed != stored:
        sys.exit(f"{stored - processed} stored events were not processed")


if __name__ == "__main__":
    main()
