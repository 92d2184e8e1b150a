"""Shared pieces of the benchmarks: a PostgreSQL database built by the migrations,
gunicorn servers, and wrk runs parsed into figures."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from tests.processes import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def fresh_database(name: str) -> str:
    """Drop and create `name`, then run the migrations and load the region seed into it."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # SSD storage, as on any current server: the README's production settings say the same.
        conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    env = server_env(url)
    for args in (["db", "upgrade"], ["seed", "regions"]):
        subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, check=True, capture_output=True)
    log(f"database {name}: migrated and seeded")
    return url


def insert_supplier(conn: psycopg.Connection) -> int:
    """A verified cooperative in 奉节县 to hang benchmark products on; returns its id."""
    from marketplace.suppliers.uscc import check_character

    first17 = "93500236MA5U7R1F2"
    return conn.execute(
        "INSERT INTO suppliers (name, kind, uscc, region_code, linkage_modes, households_linked, contact_name, "
        "contact_phone, status) VALUES ('奉节县脐橙专业合作社', 'cooperative', %s, '500236', '[]', 10, '王明', "
        "'13800000000', 'verified') RETURNING id",
        (first17 + check_character(first17),),
    ).fetchone()[0]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "marketplace:create_app",
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": "bench-secret-key",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        # Production mails by SMTP; no benchmark sends any, so the server is never reached.
        "MARKETPLACE_MAIL_SMTP_HOST": "127.0.0.1",
        "MARKETPLACE_MAIL_FROM": "bench@example.test",
        "MARKETPLACE_PUBLIC_BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url,
        "MARKETPLACE_LOG_LEVEL": "WARNING",
        **extra,
    }


def local_app(database_url: str):
    """The app in this process, on the benchmark's database, signing tokens as its servers do."""
    from marketplace import create_app

    return create_app(
        {
            "ENV": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": server_env(database_url)["SECRET_KEY"],
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST_KIB": 1024,
        }
    )


WORKER_CLASSES = ("sync", "gthread", "gevent")


@contextmanager
def gunicorn(
    app_spec: str,
    env: dict[str, str],
    workers: int = 2,
    threads: int = 1,
    worker_class: str | None = None,
    connections: int = 100,
):
    """Serve app_spec with gunicorn on a free port; yields the base URL. The worker class is sync,
    gthread (`threads` threads per worker) or gevent (at most `connections` requests in flight per
    worker, each a greenlet); unnamed, sync, or gthread when threads > 1."""
    worker_class = worker_class or ("gthread" if threads > 1 else "sync")
    per_worker = {
        "sync": [],
        "gthread": ["--threads", str(threads)],
        "gevent": ["--worker-connections", str(connections)],
    }[worker_class]
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-w",
            str(workers),
            "-k",
            worker_class,
            *per_worker,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for_port(port, f"gunicorn for {app_spec}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def add_server_options(
    parser: argparse.ArgumentParser, worker_class: str, workers: int, threads: int
) -> None:
    """The options choosing gunicorn's worker model and counts, with the benchmark's defaults."""
    parser.add_argument(
        "--worker-class", choices=WORKER_CLASSES, default=worker_class, help="gunicorn's worker"
    )
    parser.add_argument("--workers", type=int, default=workers, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=threads, help="threads per gthread worker")
    parser.add_argument(
        "--worker-connections", type=int, default=100, help="requests in flight per gevent worker"
    )


def server_options(args: argparse.Namespace) -> dict:
    """gunicorn()'s keywords from add_server_options' options."""
    return {
        "workers": args.workers,
        "threads": args.worker_threads,
        "worker_class": args.worker_class,
        "connections": args.worker_connections,
    }


def describe_server(args: argparse.Namespace) -> str:
    per_worker = {
        "sync": "",
        "gthread": f" x {args.worker_threads} threads",
        "gevent": f" x {args.worker_connections} connections",
    }[args.worker_class]
    return f"gunicorn {args.workers} {args.worker_class} workers{per_worker}"


BARE = "bare Flask GET /bare"


def bare_flask(env: dict[str, str], workers: int = 2):
    """The floor the benchmarks are measured beside, on gunicorn as the app is; yields its base URL
    (the endpoint is /bare)."""
    return gunicorn("bench.bare_app:app", env, workers=workers)


@dataclass
class Figures:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: installing Debian's package")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed: apt-get install wrk")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(
    name: str, url: str, connections: int, seconds: int, threads: int = 2, script: Path | None = None
) -> Figures:
    """Run wrk against url (warmed up first, unless a script makes each request) and parse
    requests/s, p50, p99 and errors (non-2xx answers included)."""
    binary = ensure_wrk()
    extra = ["-s", str(script)] if script else []
    if not script:
        subprocess.run([binary, "-t1", "-c2", "-d2s", url], check=True, capture_output=True)
    out = subprocess.run(
        [
            binary,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            *extra,
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    if errors:
        log(f"{name}: {re.search(r'Socket errors:.*', out).group(0)}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Figures(
        name=name,
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        errors=errors + (int(non2xx.group(1)) if non2xx else 0),
    )


def rounds_parser(doc: str, database: str, redis_url: str | None = None) -> argparse.ArgumentParser:
    """The options of a benchmark that measures several paths in alternating rounds."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_places(parser, database, redis_url)
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections wrk keeps open")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    return parser


def add_places(parser: argparse.ArgumentParser, database: str, redis_url: str | None = None) -> None:
    """--database and (for a benchmark using Redis) --redis: where it runs, so that two people
    benchmarking on one machine never drop each other's database or flush each other's cache."""
    parser.add_argument(
        "--database", default=database, help="the PostgreSQL database made afresh for the run"
    )
    if redis_url:
        parser.add_argument("--redis", default=redis_url, help="the Redis database the run flushes and uses")


def best_of_rounds(targets: dict[str, tuple[str, Path | None]], args: argparse.Namespace) -> list[Figures]:
    """wrk on each target (its URL, and the script making its requests or None), round after round;
    the best run of each is kept, so that a moment the shared cores were busy costs one round of one
    path, not its figure."""
    best: dict[str, Figures] = {}
    for round_no in range(1, args.rounds + 1):
        for name, (url, script) in targets.items():
            log(f"round {round_no}: {name}, {args.connections} connections, {args.seconds}s")
            figures = wrk(name, url, args.connections, args.seconds, script=script)
            if name not in best or figures.requests_per_s > best[name].requests_per_s:
                best[name] = figures
    return list(best.values())


def report(title: str, rows: list[Figures], baseline: str) -> None:
    base = next(r for r in rows if r.name == baseline)
    print(f"\n{title}")
    print(f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs ' + baseline:>12}")
    for r in rows:
        ratio = r.requests_per_s / base.requests_per_s if base.requests_per_s else 0
        print(
            f"{r.name:44} {r.requests_per_s:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.errors:7d} {ratio:11.0%}"
        )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / (re.sub(r"\W+", "_", title.lower()).strip("_") + ".json")
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2))


WEBHOOK_SECRET = "whsec_bench"


@contextmanager
def stripe_compatible():
    """The Stripe-compatible server the tests use (tests/stripe_server.py), for runs where several
    server processes must see the same payments; yields it and the settings that point the app's
    real Stripe SDK at it."""
    import logging

    from tests.stripe_server import FakeStripe

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = FakeStripe()
    try:
        yield (
            server,
            {
                "MARKETPLACE_PAYMENT_GATEWAY": "stripe",
                "MARKETPLACE_STRIPE_API_BASE": server.url,
                "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            },
        )
    finally:
        server.close()


def pay(http, base: str, server, intent_id: str):
    """Settle a payment at the provider and deliver its signed payment_intent.succeeded webhook."""
    body, signature = server.event("payment_intent.succeeded", server.succeed(intent_id), WEBHOOK_SECRET)
    return http.post(
        f"{base}/api/v1/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
