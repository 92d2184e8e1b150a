"""Scale-out run: the app as it runs on several machines, on this one. Two app instances (separate
gunicorn processes on separate ports) behind a round-robin proxy, two Celery workers and one beat,
sharing only what several machines share: PostgreSQL, Redis, the object store (moto's S3 server)
and the secret key. Each process has a local folder of its own, so that nothing can pass through
this machine's disk.

    .venv/bin/python bench/scale_out.py [--seconds 60] [--rate 20] [--workers 2]

Then, in order, each a line "ok" or "FAIL":

- the load mix of bench/load.py through the proxy: every answer 2xx, both instances serving, and
  once the workers have drained the queue, the books balance (bench/load.py's invariants);
- rate limits across instances: LOGIN_RATE_LIMIT+1 sign-ins to one account sent to one instance
  and to both in turn meet their first 429 at the same attempt, the limit's + 1;
- cache invalidation across instances: a price changed through one instance is in the other's
  cached listing at once, and a product delisted through one is in neither's listing nor page;
- writes across instances: an order sent to each under one Idempotency-Key is one order; a
  password changed through one ends the old token's use through the other at once;
- a ledger report asked of one instance, made by a worker, downloads through the other, the same
  bytes from both, kept in the object store;
- beat still running, both workers having taken tasks, and no file left in any process's own folder.

Exits 1 on any failure. tests/test_scale_out.py runs it for 10 s at 10 actions/s.
"""

import argparse
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
import requests  # noqa: E402
from celery import Celery  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from bench.common import BIN, ROOT, gunicorn, log, server_env, stripe_compatible  # noqa: E402
from bench.load import (  # noqa: E402
    ADDRESS,
    BUYER_LIMITS,
    REDIS_URL,
    Stats,
    World,
    check_invariants,
    drain,
    drive,
    prepare,
    report,
    start_worker,
)
from marketplace.config import DEFAULTS  # noqa: E402
from tests.processes import RoundRobinProxy, eventually, stop  # noqa: E402

DATABASE = "marketplace_bench_scale_out"
BUCKET, REGION = "marketplace-scale-out", "cn-north-1"
S3_KEY = "scale-out"  # moto takes any credentials; boto3 wants some
# Sign-ins per account from one address, as the instances run (the default): "10 per minute".
LOGIN_LIMIT = int(DEFAULTS["LOGIN_RATE_LIMIT"].split()[0])


@contextmanager
def object_store():
    """moto's S3 server, the bucket made; yields the settings that point the app at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3(endpoint).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    try:
        yield {
            "AWS_ACCESS_KEY_ID": S3_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_KEY,
            "MARKETPLACE_STORAGE_URL": f"s3://{BUCKET}/files",
            "MARKETPLACE_S3_ENDPOINT_URL": endpoint,
            "MARKETPLACE_S3_REGION": REGION,
            "MARKETPLACE_S3_ADDRESSING_STYLE": "path",
        }
    finally:
        server.stop()


def s3(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_KEY,
    )


def stored_keys(store: dict[str, str]) -> list[str]:
    listed = s3(store["MARKETPLACE_S3_ENDPOINT_URL"]).list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in listed.get("Contents", [])]


def own_folder(env: dict[str, str], scratch: Path, name: str) -> dict[str, str]:
    """The process's environment with a local upload folder of its own, which the object store
    makes unused: a file found there afterwards was kept where no other machine could read it."""
    folder = scratch / name
    folder.mkdir()
    return {**env, "MARKETPLACE_UPLOAD_DIR": str(folder / "uploads")}


def start_beat(env: dict[str, str], scratch: Path) -> subprocess.Popen:
    """The one beat: its schedule's record in the scratch folder's beat/."""
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "workers",
            "beat",
            "--schedule",
            str(scratch / "beat" / "schedule"),
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def tasks_per_worker(redis_url: str) -> dict[str, int]:
    """The tasks each running worker has taken, as its remote control answers."""
    stats = Celery(broker=redis_url).control.inspect(timeout=5).stats() or {}
    return {name: sum(worker.get("total", {}).values()) for name, worker in stats.items()}


def check(text: str, ok: bool, detail: str = "") -> bool:
    print(f"  {'ok  ' if ok else 'FAIL'} {text}" + ("" if ok else f"  {detail}"), flush=True)
    return ok


def rate_limits(instances: list[str]) -> bool:
    """LOGIN_LIMIT + 1 wrong passwords to one account: the first 429 comes at the same attempt sent
    to one instance and sent to each in turn."""

    def first_429(email: str, targets: list[str]) -> int | None:
        for attempt in range(1, LOGIN_LIMIT + 2):
            answer = requests.post(
                f"{targets[attempt % len(targets)]}/api/v1/auth/token",
                json={"email": email, "password": "not the password"},
                timeout=30,
            )
            if answer.status_code == 429:
                return attempt
            if answer.status_code != 401:
                raise SystemExit(f"sign-in {attempt} of {email}: {answer.status_code} {answer.text[:200]}")
        return None

    one = first_429("buyer14@load.test", instances[:1])
    both = first_429("buyer15@load.test", instances)
    return check(
        f"rate limits: the first 429 at sign-in {one} against one instance, {both} against both in turn "
        f"(limit {LOGIN_LIMIT})",
        one == both == LOGIN_LIMIT + 1,
    )


def listed(base: str, supplier_id: int) -> tuple[dict[int, dict], str]:
    answer = requests.get(
        f"{base}/api/v1/products", params={"supplier_id": supplier_id, "page_size": 100}, timeout=30
    )
    answer.raise_for_status()
    return {p["id"]: p for p in answer.json()}, answer.headers.get("X-Cache", "")


def cache_invalidation(world: World, instances: list[str], product_id: int) -> bool:
    """A price changed through A is in B's cached listing at once; the product delisted through A is
    served by neither, listing or page."""
    a, b = instances
    supplier = world.headers("supplier@demo.test")
    page = requests.get(f"{a}/api/v1/products/{product_id}", timeout=30).json()
    supplier_id, price = page["supplier_id"], page["price_fen"]
    for base in instances:  # the listing cached, as each instance serves it
        listed(base, supplier_id)
    cached = [listed(base, supplier_id) for base in instances]
    ok = check(
        "cache: the supplier's listing is served from the cache by both instances",
        all(
            seen == "hit" and seen_products[product_id]["price_fen"] == price
            for seen_products, seen in cached
        ),
        f"{[(seen, p.get(product_id, {}).get('price_fen')) for p, seen in cached]}",
    )
    changed = requests.patch(
        f"{a}/api/v1/products/{product_id}", json={"price_fen": price + 100}, headers=supplier, timeout=30
    )
    changed.raise_for_status()
    seen_by_b = [listed(b, supplier_id)[0][product_id]["price_fen"] for _ in range(3)]
    ok &= check(
        f"cache: a price changed through A ({price} to {price + 100} fen) is in B's listing at once",
        seen_by_b == [price + 100] * 3,
        f"B listed {seen_by_b}",
    )
    for base in instances:
        listed(base, supplier_id)
    delisted = requests.patch(
        f"{a}/api/v1/products/{product_id}", json={"active": False}, headers=supplier, timeout=30
    )
    delisted.raise_for_status()
    served = [
        (base, what)
        for base in instances
        for _ in range(3)
        for what, found in (
            ("listing", product_id in listed(base, supplier_id)[0]),
            ("page", requests.get(f"{base}/api/v1/products/{product_id}", timeout=30).status_code == 200),
        )
        if found
    ]
    return ok & check(
        "cache: a product delisted through A is served by neither instance (listing or page)",
        not served,
        f"served: {served}",
    )


def writes_across(world: World, instances: list[str], product_id: int) -> bool:
    """An order of product_id sent through A and again through B under one Idempotency-Key is one
    order; a password changed through A ends the old token's use through B at once."""
    a, b = instances
    buyer = world.headers("buyer12@load.test")
    body = {
        "items": [{"product_id": product_id, "quantity": 1}],
        "shipping_address": ADDRESS,
        "payment_method": "alipay",
    }
    placed = [
        requests.post(
            f"{base}/api/v1/orders",
            json=body,
            headers={**buyer, "Idempotency-Key": "scale-out-once"},
            timeout=30,
        )
        for base in instances
    ]
    ok = check(
        "idempotency: an order sent through A and again through B under one key is one order "
        f"({', '.join(str(r.status_code) for r in placed)}, ids {', '.join(str(r.json().get('id')) for r in placed)})",
        all(r.status_code == 201 for r in placed) and placed[0].json()["id"] == placed[1].json()["id"],
    )
    old = world.headers("buyer13@load.test")
    changed = requests.post(
        f"{a}/api/v1/auth/password",
        json={"current_password": "load buyer pass", "new_password": "脐橙 scale-out 奉节 2026 orchard"},
        headers=old,
        timeout=30,
    )
    after = requests.get(f"{b}/api/v1/me", headers=old, timeout=30)
    return ok & check(
        f"tokens: a password changed through A ({changed.status_code}) ends the old token through B "
        f"at once ({after.status_code})",
        changed.ok and after.status_code == 401,
    )


def report_across(world: World, instances: list[str], store: dict[str, str]) -> bool:
    """A ledger report asked of A, made by a worker, downloads through B (the same bytes as
    through A), kept in the object store."""
    a, b = instances
    admin = world.headers("admin@demo.test")
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    before = set(stored_keys(store))
    asked = requests.post(
        f"{a}/api/v1/reports/ledger", json={"month": month, "format": "xlsx"}, headers=admin, timeout=30
    )
    asked.raise_for_status()
    report_id = asked.json()["id"]

    def made():
        answer = requests.get(f"{b}/api/v1/reports/ledger/{report_id}", headers=admin, timeout=30).json()
        return answer if answer["status"] != "pending" else None

    status = eventually(made, seconds=60, what="the ledger report")["status"]
    files = [
        requests.get(f"{base}/api/v1/reports/ledger/{report_id}/file", headers=admin, timeout=30)
        for base in (b, a)
    ]
    new_keys = set(stored_keys(store)) - before
    return check(
        f"report: the {month} ledger asked of A ({status}) downloads through B, "
        f"{len(files[0].content):,} bytes, the same through A, kept in the object store",
        status == "ready"
        and all(f.status_code == 200 and f.content[:2] == b"PK" for f in files)
        and files[0].content == files[1].content
        and any(key.endswith(".xlsx") for key in new_keys),
        f"{[(f.status_code, f.content[:80]) for f in files]}, new objects {new_keys}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=float, default=20.0, help="user actions started per second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per instance")
    parser.add_argument("--threads", type=int, default=16, help="client threads (concurrent actions at most)")
    parser.add_argument("--redis-url", default=REDIS_URL, help="a Redis database the run may empty")
    parser.add_argument("--database", default=DATABASE, help="the database to (re)create for the run")
    args = parser.parse_args()

    database_url, before, stock_before = prepare(args.database, args.redis_url)
    stats = Stats()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-out-")))
        stripe_server, stripe_env = stack.enter_context(stripe_compatible())
        store = stack.enter_context(object_store())
        env = server_env(
            database_url,
            REDIS_URL=args.redis_url,
            MARKETPLACE_TRUSTED_PROXY_HOPS="1",
            **stripe_env,
            **store,
            **BUYER_LIMITS,
        )
        for n in (1, 2):
            worker = start_worker(own_folder(env, scratch, f"worker{n}"), concurrency=1, name=f"worker{n}")
            stack.callback(stop, worker)
        beat = start_beat(own_folder(env, scratch, "beat"), scratch)
        stack.callback(stop, beat)
        instances = [
            stack.enter_context(
                gunicorn("marketplace:create_app()", own_folder(env, scratch, f"app{n}"), args.workers)
            )
            for n in (1, 2)
        ]
        proxy = RoundRobinProxy(instances)
        stack.callback(proxy.close)
        log(f"two instances ({args.workers} gunicorn workers each) behind {proxy.url}, two workers, one beat")

        world = World(database_url, proxy.url, stripe_server)
        log(f"driving {args.rate:g} actions/s for {args.seconds} s through the proxy")
        outcome = drive(world, stats, args.seconds, args.rate, args.threads)
        errors = report(stats, outcome, args.rate, results_name="scale_out")
        served = dict(proxy.served)
        drain(database_url)
        ok = check_invariants(database_url, before, stock_before, stripe_server)

        print("\nacross instances")
        total = sum(served.values())
        ok &= check(
            "the proxy handed each instance its turn: "
            + ", ".join(f"{base} {n:,}" for base, n in served.items()),
            all(abs(n - total / 2) <= 1 for n in served.values()),
        )
        ok &= rate_limits(instances)
        delisted = world.supplier_products["supplier@demo.test"][0]
        ok &= cache_invalidation(world, instances, delisted)
        ok &= writes_across(world, instances, next(p for p in world.products if p != delisted))
        ok &= report_across(world, instances, store)
        ok &= check("beat still running", beat.poll() is None)
        taken = tasks_per_worker(args.redis_url)
        ok &= check(
            "both workers took tasks: " + ", ".join(f"{name} {n}" for name, n in sorted(taken.items())),
            len(taken) == 2 and all(taken.values()),
        )
        local = [str(p) for p in scratch.rglob("*") if p.is_file() and "beat" not in p.parts]
        ok &= check("no process kept a file on its own disk", not local, f"{local}")
    if errors or not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
