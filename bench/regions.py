"""Benchmark: the reference data (regions, pairings, categories) beside a bare Flask endpoint.

Each path is measured as a browser first asks for it (200, the prepared bytes) and as it asks again
with the ETag it was given (If-None-Match: 304, no body), on two app servers: one reading the data's
version for every request (REFERENCE_VERSION_SECONDS=0) and one reading it at most once a second per
process (=1, the default). All servers are gunicorn with 2 sync workers; the data on PostgreSQL.
Prints requests/s, p50 and p99 for each and the ratio to bare Flask, measured in the same run.

    .venv/bin/python bench/regions.py [--seconds 15] [--connections 4] [--rounds 2]
"""

import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BARE,
    bare_flask,
    best_of_rounds,
    fresh_database,
    gunicorn,
    report,
    rounds_parser,
    server_env,
)

PATHS = (
    "/api/v1/regions?parent=500000",
    "/api/v1/regions/500236",
    "/api/v1/pairings?assisted=500236",
    "/api/v1/categories",
)


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
    args = rounds_parser(__doc__, "marketplace_bench_regions").parse_args()
    database_url = fresh_database(args.database)
    env = server_env(database_url)
    with (
        tempfile.TemporaryDirectory() as scripts,
        gunicorn(
            "marketplace:create_app()", {**env, "MARKETPLACE_REFERENCE_VERSION_SECONDS": "0"}
        ) as exact_url,
        gunicorn(
            "marketplace:create_app()", {**env, "MARKETPLACE_REFERENCE_VERSION_SECONDS": "1"}
        ) as memo_url,
        bare_flask(env) as bare_url,
    ):
        targets: dict[str, tuple[str, Path | None]] = {BARE: (bare_url + "/bare", None)}
        for label, app_url in (("", exact_url), ("1s ", memo_url)):
            for path in PATHS:
                url = app_url + path
                targets[f"{label}GET {path}"] = (url, None)
                targets[f"{label}GET {path} (304)"] = (url, revalidating(url, Path(scripts)))
        rows = best_of_rounds(targets, args)
    report(
        f"regions: gunicorn 2 sync workers, PostgreSQL, {args.connections} connections, "
        f"best of {args.rounds}",
        rows,
        baseline=BARE,
    )


if __name__ == "__main__":
    main()
