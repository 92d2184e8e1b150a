"""The import as a background job: 202 and a job to poll, progress as rows are read, the end with
every bad row by number and column, one import at a time per order, read only by the agency's side."""

from datetime import timedelta

from marketplace.extensions import db
from marketplace.procurement import import_jobs
from marketplace.procurement.models import ImportJob
from marketplace.timeutil import now
from tests.procurement.importing import post_import, wait_for_job
from tests.procurement.test_import import csv_bytes


def start(desk, order, data, headers=None):
    r = post_import(desk.client, order["id"], data, "lines.csv", headers or desk.purchaser_h)
    assert r.status_code == 202, r.json
    return r


def test_the_upload_answers_202_with_a_job_whose_progress_moves_to_the_end(app, desk, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_PROGRESS_ROWS", 100)
    told = []
    real_tell = import_jobs._tell

    def tell(job_id, **values):
        told.append({k: values[k] for k in ("state", "rows_done", "rows_total") if k in values})
        real_tell(job_id, **values)

    monkeypatch.setattr(import_jobs, "_tell", tell)
    order = desk.draft()
    rows = [(desk.orange.id if i % 2 else desk.potato.id, 1) for i in range(1_000)]
    r = start(desk, order, csv_bytes(rows))
    assert r.json["state"] == "queued" and r.json["rows_done"] == 0 and r.json["error"] is None
    assert r.headers["Location"].endswith(f"/purchase-orders/{order['id']}/imports/{r.json['id']}")
    job = wait_for_job(desk.client, r.headers["Location"], desk.purchaser_h)
    assert job["state"] == "succeeded", job
    assert (job["rows_done"], job["rows_total"], job["lines"]) == (1_000, 1_000, 2)
    assert told[0] == {"state": "reading", "rows_done": 0}
    assert [t["rows_done"] for t in told[1:-1]] == list(range(100, 1_001, 100))
    assert all(t["rows_total"] == 1_000 for t in told[1:])
    assert told[-1]["state"] == "checking"
    lines = desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=desk.purchaser_h).json
    assert {line["product_id"]: line["quantity"] for line in lines["lines"]} == {
        desk.orange.id: 500,
        desk.potato.id: 500,
    }
    assert db.session.get(ImportJob, job["id"]).data is None  # the file is not kept once read


def test_a_failed_job_names_each_bad_row_and_column_in_the_importers_language(desk):
    order = desk.draft([{"product_id": desk.orange.id, "quantity": 2}])
    data = csv_bytes([(desk.orange.id, 1), (desk.orange.id, "十"), (999_999, 1)], header="商品编号,数量")
    r = start(desk, order, data)
    job = wait_for_job(desk.client, r.headers["Location"], desk.purchaser_h)
    assert job["state"] == "failed" and job["lines"] is None
    assert job["error"]["code"] == 422 and job["error"]["error_code"] == "invalid_field"
    assert job["error"]["message"] == "3 行中有 2 行无法导入，未做任何改动。"
    assert job["error"]["errors"]["files"]["file"] == {
        "3": {"数量": ["不是 1 至 1,000,000 的整数：“十”。"]},
        "4": {"商品编号": ["商品编号 为“999999”的在售商品不存在。"]},
    }
    english = {**desk.purchaser_h, "Accept-Language": "en"}
    r = start(desk, order, data, headers=english)
    job = wait_for_job(desk.client, r.headers["Location"], english)
    assert job["error"]["message"] == "2 of 3 rows cannot be imported; nothing was changed."
    order_now = desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=desk.purchaser_h).json
    assert [(line["product_id"], line["quantity"]) for line in order_now["lines"]] == [(desk.orange.id, 2)]


def test_a_second_import_while_one_is_at_work_is_409_and_a_stale_one_no_longer_holds_the_order(desk):
    order = desk.draft()
    running = ImportJob(
        order_id=order["id"], created_by_id=desk.purchaser.id, state="reading", locale="zh-CN", rows_done=0
    )
    db.session.add(running)
    db.session.commit()
    r = post_import(desk.client, order["id"], csv_bytes([(desk.orange.id, 1)]), "a.csv", desk.purchaser_h)
    assert r.status_code == 409 and r.json["error_code"] == "import_running", r.json
    assert str(running.id) in r.json["message"]
    running.updated_at = now() - timedelta(hours=1)  # its worker died long ago
    db.session.commit()
    r = start(desk, order, csv_bytes([(desk.orange.id, 1)]))
    assert wait_for_job(desk.client, r.headers["Location"], desk.purchaser_h)["state"] == "succeeded"
    stale = desk.client.get(
        f"/api/v1/purchase-orders/{order['id']}/imports/{running.id}", headers=desk.purchaser_h
    ).json
    assert stale["state"] == "failed" and stale["error"]["error_code"] == "import_stopped"


def test_a_job_is_read_by_the_orders_agency_side_only(desk):
    order = desk.draft()
    r = start(desk, order, csv_bytes([(desk.orange.id, 1)]))
    location = r.headers["Location"]
    wait_for_job(desk.client, location, desk.purchaser_h)
    assert desk.client.get(location, headers=desk.approver_h).status_code == 200
    assert desk.client.get(location, headers=desk.admin_h).status_code == 200
    assert desk.client.get(location, headers=desk.supplier_a_h).status_code == 403  # sees the order
    assert desk.client.get(location, headers=desk.stranger_h).status_code == 404
    other = desk.draft()
    wrong_order = f"/api/v1/purchase-orders/{other['id']}/imports/{r.json['id']}"
    assert desk.client.get(wrong_order, headers=desk.purchaser_h).status_code == 404


def test_a_task_run_again_on_an_ended_job_imports_nothing_twice(desk):
    order = desk.draft()
    r = start(desk, order, csv_bytes([(desk.orange.id, 3)]))
    wait_for_job(desk.client, r.headers["Location"], desk.purchaser_h)
    assert import_jobs.run_import(r.json["id"]) == "succeeded"
    history = desk.client.get(f"/api/v1/purchase-orders/{order['id']}/history", headers=desk.purchaser_h)
    assert [e["action"] for e in history.json].count("import_lines") == 1


def test_the_upload_refuses_at_once_what_it_can_without_reading_the_file(app, desk, monkeypatch):
    order = desk.draft([{"product_id": desk.orange.id, "quantity": 1}])
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
        r = post_import(desk.client, order["id"], b"x" * 101, "a.csv", desk.purchaser_h)
    assert r.status_code == 413
    desk.client.post(f"/api/v1/purchase-orders/{order['id']}/submit", json={}, headers=desk.purchaser_h)
    r = post_import(desk.client, order["id"], csv_bytes([(desk.orange.id, 1)]), "a.csv", desk.purchaser_h)
    assert r.status_code == 409
    assert db.session.query(ImportJob).count() == 0
