"""The beat schedule under `make run`: on the embedded default (SQLite, no Redis) the serving process
runs it itself (workers/in_process.py), with the tasks beat runs in production."""

import dbm
import json
import os
import shelve
import subprocess
import sys
from datetime import timedelta

import pytest

from marketplace.config import CONVENTIONAL_NAMES
from tests.processes import BIN, ROOT, HttpClient, eventually, free_port, stop, wait_for_port
from workers.beat import SCHEDULE

pytestmark = [pytest.mark.slow]

# Run in a process of its own (a second app in this one would take over the shared Celery app), on the
# migrated database: an unpaid order whose reservation ran out a minute ago, and a certification
# whose public notice ended yesterday. Nothing here calls a task.
PREPARE = """
import json
from datetime import timedelta
from pathlib import Path

from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.orders.models import Order
from marketplace.regions.services import load_region_seed
from marketplace.timeutil import china_today, now
from tests.factories import ProductFactory
from tests.shop import ADDRESS

app = create_app()
with app.app_context():
    load_region_seed(Path("seed/regions"))
    buyer = accounts.register_user("buyer@example.test", "correct horse 1", "买家")
    headers = {"Authorization": "Bearer " + accounts.issue_token(buyer).access_token}
    orange = ProductFactory(name="奉节脐橙 5kg", stock=10)
    body = {
        "items": [{"product_id": orange.id, "quantity": 3}],
        "shipping_address": ADDRESS,
        "payment_method": "alipay",
    }
    r = app.test_client().post("/api/v1/orders", json=body, headers=headers)
    assert r.status_code == 201, r.json
    order = db.session.get(Order, r.json["id"])
    order.reserved_until = now() - timedelta(minutes=1)
    plum = ProductFactory(name="巫山脆李 3kg")
    ended = china_today() - timedelta(days=1)
    certification = Certification(
        product_id=plum.id,
        supplier_id=plum.supplier_id,
        origin_region_code=plum.origin_region_code,
        status="in_notice",
        stages=["county", "province"],
        stage_index=1,
        notice_days=7,
        commitment={"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"},
        notice_ends_on=ended,
        certificate_no=f"BF-{plum.origin_region_code}-{ended.year}-000001",
        valid_from=ended,
        valid_until=ended + timedelta(days=730),
    )
    db.session.add(certification)
    db.session.commit()
    print(json.dumps({
        "headers": headers,
        "order": order.id,
        "orange": orange.id,
        "certification": certification.id,
    }))
"""


@pytest.fixture
def embedded(tmp_path):
    """The environment `make run` gives, on a database and schedule of the test's own."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MARKETPLACE_", "FLASK_")) and k not in CONVENTIONAL_NAMES
    }
    return {
        **inherited,
        "MARKETPLACE_ENV": "development",
        "FLASK_APP": "marketplace:create_app",
        "DATABASE_URL": f"sqlite:///{tmp_path}/marketplace.db",
        "MARKETPLACE_MAIL_DIR": str(tmp_path / "mail"),
        "MARKETPLACE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "MARKETPLACE_SCHEDULE_FILE": str(tmp_path / "schedule"),
        "MARKETPLACE_SCHEDULE_TICK_SECONDS": "1",
        "MARKETPLACE_ARGON2_TIME_COST": "1",
        "MARKETPLACE_ARGON2_MEMORY_COST_KIB": "64",
    }


def flask_run(env, log_path):
    """`flask run` as `make run` starts it (MARKETPLACE_SCHEDULE_IN_PROCESS=1), on a free port."""
    port = free_port()
    with open(log_path, "a") as log:
        proc = subprocess.Popen(
            [str(BIN / "flask"), "run", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "MARKETPLACE_SCHEDULE_IN_PROCESS": "1"},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(port, "flask run")
    return proc, HttpClient(f"http://127.0.0.1:{port}")


def recorded_entries(path):
    """The entries the schedule's record holds (beat's own, `celery.backend_cleanup`, left out)."""
    try:
        with shelve.open(str(path), flag="r") as store:
            return {name for name in store.get("entries", {}) if not name.startswith("celery.")}
    except dbm.error:  # dbm.error is already a tuple holding OSError
        return set()


def test_make_run_expires_a_reservation_and_ends_a_public_notice_by_its_own_schedule(embedded, tmp_path):
    # As `make run` does, with the schedule asked for; a one-off command runs none.
    upgrade = [str(BIN / "flask"), "db", "upgrade"]
    env = {**embedded, "MARKETPLACE_SCHEDULE_IN_PROCESS": "1"}
    subprocess.run(upgrade, env=env, cwd=ROOT, check=True, capture_output=True)
    assert not list(tmp_path.glob("schedule*"))
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE], env=embedded, cwd=ROOT, capture_output=True, text=True
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    ids = json.loads(prepared.stdout.strip().splitlines()[-1])
    log_path = tmp_path / "flask-run.log"

    # The first run keeps when each entry last ran; nothing is due yet (the next run is 30 s off).
    proc, client = flask_run(embedded, log_path)
    try:
        eventually(lambda: recorded_entries(tmp_path / "schedule") == set(SCHEDULE), what="the record")
        assert client.get(f"/api/v1/orders/{ids['order']}", headers=ids["headers"]).json["status"] == (
            "pending_payment"
        )
    finally:
        stop(proc)
    # Stopped 32 days ago: every entry fell due meanwhile, the daily ones and the monthly reports
    # included (two days fell short of the 1st at 01:00 from the 3rd of a month on).
    with shelve.open(str(tmp_path / "schedule"), writeback=True) as store:
        for entry in store["entries"].values():
            entry.last_run_at -= timedelta(days=32)

    proc, client = flask_run(embedded, log_path)
    try:
        order = eventually(
            lambda: (
                (o := client.get(f"/api/v1/orders/{ids['order']}", headers=ids["headers"]).json)["status"]
                == "expired"
                and o
            ),
            what="the reservation expiring",
        )
        certification = eventually(
            lambda: (
                (c := client.get(f"/api/v1/certifications/{ids['certification']}").json)["status"]
                == "certified"
                and c
            ),
            what="the public notice ending",
        )
        assert client.get(f"/api/v1/products/{ids['orange']}").json["stock"] == 10
        # The schedule sends every due entry in one tick; the last may still be running.
        eventually(
            lambda: all(f"Task {entry['task']}[" in log_path.read_text() for entry in SCHEDULE.values()),
            what="every scheduled task finishing",
        )
    finally:
        stop(proc)
    log = log_path.read_text()
    assert order["status"] == "expired" and certification["status"] == "certified"
    # Every scheduled task ran, the daily one once for the two days missed, and none failed (with no
    # Redis, no heartbeat is recorded).
    for entry in SCHEDULE.values():
        assert f"Task {entry['task']}[" in log, (entry["task"], log[-3000:])
    assert log.count("Task certification.advance_daily[") == 1
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
