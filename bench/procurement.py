"""Benchmark: importing and submitting a 10,000-line purchase order on PostgreSQL, through the API
(gunicorn), beside a plain COPY of the same rows into purchase_order_lines as the floor. The import
answers 202 at once with a job (run in the background: here, with no broker, on the worker
process's background thread); its time is until the job reads succeeded, polled every 0.1 s.

    .venv/bin/python bench/procurement.py [--lines 10000] [--runs 3] [--format csv|xlsx]
"""

import argparse
import io
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import requests  # noqa: E402

from bench.common import fresh_database, gunicorn, insert_supplier, local_app, log, server_env  # noqa: E402


def fill(database_url: str, lines: int) -> tuple[int, str, list[int]]:
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.suppliers import uscc
    from marketplace.timeutil import china_today

    until = china_today() + timedelta(days=365)
    with psycopg.connect(database_url) as conn:
        supplier = insert_supplier(conn)
        with conn.cursor().copy(
            "COPY products (supplier_id, name, category_code, unit, price_fen, stock, "
            "origin_region_code, description, is_active, certificate_no, certified_until) "
            "FROM STDIN"
        ) as copy:
            for i in range(lines):
                copy.write_row(
                    (
                        supplier,
                        f"奉节脐橙 {i}",
                        "fruit.citrus",
                        "箱",
                        6990,
                        10**9,
                        "500236",
                        "",
                        True,
                        f"BF-500236-2026-{i:06d}",
                        until,
                    )
                )
        product_ids = [r[0] for r in conn.execute("SELECT id FROM products ORDER BY id")]
        first17 = "12370102" + "000000001"
        agency = conn.execute(
            "INSERT INTO agencies (name, kind, uscc, region_code, approval_tiers_fen) VALUES "
            "('山东省农业农村厅机关服务中心', 'government', %s, '370102', '[1000000]') RETURNING id",
            (first17 + uscc.check_character(first17),),
        ).fetchone()[0]
    app = local_app(database_url)
    with app.app_context():
        accounts.register_user("purchaser@bench.test", "bench password", "采购员")
        user = db.session.scalar(db.select(User).where(User.email == "purchaser@bench.test"))
        token = accounts.issue_token(user).access_token
        with psycopg.connect(database_url) as conn:
            conn.execute(
                "INSERT INTO agency_members (agency_id, user_id, role) VALUES (%s, %s, 'purchaser')",
                (agency, user.id),
            )
    return agency, token, product_ids


def lines_file(product_ids: list[int], fmt: str) -> tuple[bytes, str]:
    """One line per product, as CSV or as an XLSX workbook."""
    rows = [(pid, 1 + i % 7) for i, pid in enumerate(product_ids)]
    if fmt == "csv":
        return ("product_id,quantity\n" + "".join(f"{p},{q}\n" for p, q in rows)).encode(), "lines.csv"
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["商品编号", "数量"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "lines.xlsx"


def wait(location: str, headers: dict) -> tuple[dict, list[int]]:
    """Poll the job until it ends; answers it and the rows read at each poll that saw them move."""
    seen: list[int] = []
    while True:
        job = requests.get(location, headers=headers, timeout=30).json()
        if not seen or seen[-1] != job["rows_done"]:
            seen.append(job["rows_done"])
        if job["state"] in ("succeeded", "failed"):
            return job, seen
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()

    database_url = fresh_database("marketplace_bench_procurement")
    agency, token, product_ids = fill(database_url, args.lines)
    data, name = lines_file(product_ids, args.format)
    headers = {"Authorization": f"Bearer {token}"}
    env = server_env(database_url, MARKETPLACE_ENV="development", MARKETPLACE_PAYMENT_GATEWAY="dev")
    results = []
    with gunicorn("marketplace:create_app()", env, workers=2) as url:
        for run in range(1, args.runs + 1):
            draft = requests.post(
                f"{url}/api/v1/purchase-orders",
                headers=headers,
                timeout=120,
                json={"agency_id": agency, "lines": [], "delivery_address": "济南市历下区 机关食堂"},
            ).json()
            started = time.perf_counter()
            r = requests.post(
                f"{url}/api/v1/purchase-orders/{draft['id']}/lines/import",
                headers=headers,
                files={"file": (name, data, "application/octet-stream")},
                timeout=300,
            )
            answered = time.perf_counter() - started
            assert r.status_code == 202, r.text[:300]
            job, seen = wait(url + r.headers["Location"], headers)
            imported = time.perf_counter()
            assert job["state"] == "succeeded" and job["lines"] == args.lines, job
            log(f"run {run}: 202 in {answered * 1000:.0f} ms; rows read as polled: {seen}")
            r = requests.post(
                f"{url}/api/v1/purchase-orders/{draft['id']}/submit", headers=headers, json={}, timeout=300
            )
            done = time.perf_counter()
            assert r.status_code == 200 and r.json()["status"] == "submitted", r.text[:300]
            results.append((imported - started, done - imported, answered))
            log(f"run {run}: import {imported - started:.2f}s, submit {done - imported:.2f}s")
    with psycopg.connect(database_url) as conn:
        order = conn.execute(
            "INSERT INTO purchase_orders (agency_id, created_by_id, status, delivery_address, total_fen, "
            "approvals_required, stock_held, paid_fen) SELECT %s, id, 'draft', 'x', 0, 0, false, 0 FROM users "
            "LIMIT 1 RETURNING id",
            (agency,),
        ).fetchone()[0]
        rows = io.StringIO(
            "".join(
                f"{order}\t{pid}\t1\t奉节脐橙 {i}\t6990\t{1 + i % 7}\tBF-500236-2026-{i:06d}\topen\n"
                for i, pid in enumerate(product_ids)
            )
        )
        started = time.perf_counter()
        with conn.cursor().copy(
            "COPY purchase_order_lines (order_id, product_id, supplier_id, product_name, "
            "unit_price_fen, quantity, certificate_no, status) FROM STDIN"
        ) as copy:
            copy.write(rows.read())
        conn.commit()
        copy_seconds = time.perf_counter() - started
    best_import, best_submit, best_answer = min(results, key=lambda r: r[0] + r[1])  # a whole run
    print(
        f"\nprocurement: a {args.lines}-line order on PostgreSQL, gunicorn 2 sync workers, best of {args.runs}"
    )
    print(f"{'step':44} {'seconds':>8}")
    print(f"{f'POST .../lines/import ({args.format}): 202':44} {best_answer:8.2f}")
    print(f"{'  ... until its job succeeded':44} {best_import:8.2f}")
    print(f"{'POST .../submit (reserve stock)':44} {best_submit:8.2f}")
    print(f"{'import + submit':44} {best_import + best_submit:8.2f}")
    print(f"{'import + submit, every run':44} " + ", ".join(f"{r[0] + r[1]:.2f}" for r in results))
    print(f"{'plain COPY of the same rows (floor)':44} {copy_seconds:8.2f}")


if __name__ == "__main__":
    main()
