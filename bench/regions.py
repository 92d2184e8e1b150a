"""Benchmark: the reference data (regions, pairings, categories) beside a bare Flask endpoint.

Each path is measured as a browser first asks for it (200, the prepared bytes) and as it asks again
with the ETag it was given (If-None-Match: 304, no body), on two app servers: one reading the data's
version for every request (REFERENCE_VERSION_SECONDS=0) and one reading it at most once a second per
process (=1, the default). All servers are gunicorn with 2 sync workers; the data on PostgreSQL.
Prints requests/s, p50 and p99 for each and the ratio to bare Flask, measured in the same run.

    .venv/bin/python bench/regions.py [--seconds 15] [--connections 4] [--rounds 2]
"""

import argparse
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, gunicorn, log, report, server_env, wrk  # noqa: E402

PATHS = (
    "/api/v1/regions?parent=500000",
    "/api/v1/regions/500236",
    "/api/v1/pairings?assisted=500236",
    "/api/v1/categories",
)
BARE = "bare Flask GET /bare"


def revalidating(url: str, folder: Path) -> Path:
    """A wrk script that asks for url with the ETag its first answer carried."""
    with urllib.request.urlopen(url) as answer:
        etag = answer.headers["ETag"]
    if not etag:
        sys.exit(f"{url} answered without an ETag")
    script = folder / f"revalidate{len(list(folder.iterdir()))}.lua"
    script.write_text(f"wrk.headers[\"If-None-Match\"] = '{etag}'\n")
    return script


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured run")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections wrk keeps open")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    args = parser.parse_args()

    database_url = fresh_database("marketplace_bench_regions")
    env = server_env(database_url)
    best: dict[str, object] = {}
    with (
        tempfile.TemporaryDirectory() as scripts,
        gunicorn(
            "marketplace:create_app()", {**env, "MARKETPLACE_REFERENCE_VERSION_SECONDS": "0"}
        ) as exact_url,
        gunicorn(
            "marketplace:create_app()", {**env, "MARKETPLACE_REFERENCE_VERSION_SECONDS": "1"}
        ) as memo_url,
        gunicorn("bench.bare_app:app", env) as bare_url,
    ):
        targets: dict[str, tuple[str, Path | None]] = {BARE: (bare_url + "/bare", None)}
        for label, app_url in (("", exact_url), ("1s ", memo_url)):
            for path in PATHS:
                url = app_url + path
                targets[f"{label}GET {path}"] = (url, None)
                targets[f"{label}GET {path} (304)"] = (url, revalidating(url, Path(scripts)))
        for round_no in range(1, args.rounds + 1):
            for name, (url, script) in targets.items():
                log(f"round {round_no}: {name}, {args.connections} connections, {args.seconds}s")
                figures = wrk(name, url, args.connections, args.seconds, script=script)
                if name not in best or figures.requests_per_s > best[name].requests_per_s:
                    best[name] = figures
    report(
        f"regions: gunicorn 2 sync workers, PostgreSQL, {args.connections} connections, "
        f"best of {args.rounds}",
        list(best.values()),
        baseline=BARE,
    )


if __name__ == "__main__":
    main()
