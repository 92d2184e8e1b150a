"""Importing lines as a client does: upload the file (202, a job), then read the job until it ends."""

import io
import time
from dataclasses import dataclass
from typing import Any

ENDED = ("succeeded", "failed")


def post_import(client, order_id, data, filename, headers):
    return client.post(
        f"/api/v1/purchase-orders/{order_id}/lines/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def wait_for_job(client, location, headers, seconds=60.0) -> dict[str, Any]:
    """The job once it has ended, read at its Location as a page polls it."""
    deadline = time.monotonic() + seconds
    while True:
        r = client.get(location, headers=headers)
        assert r.status_code == 200, r.json
        if r.json["state"] in ENDED or time.monotonic() > deadline:
            return r.json
        time.sleep(0.02)


@dataclass
class Outcome:
    """An import's end as an answer: 200 and the order when it succeeded, else the error's status and
    body (the job's error is the error answer the import met), or the upload's own refusal."""

    status_code: int
    json: Any


def imported(client, order_id, data, filename, headers) -> Outcome:
    r = post_import(client, order_id, data, filename, headers)
    if r.status_code != 202:
        return Outcome(r.status_code, r.json)
    job = wait_for_job(client, r.headers["Location"], headers)
    if job["state"] == "succeeded":
        order = client.get(f"/api/v1/purchase-orders/{order_id}", headers=headers)
        return Outcome(200, order.json)
    return Outcome(job["error"]["code"], job["error"])
