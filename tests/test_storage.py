"""The file store: the same contract on local disk and on an S3-compatible object store (moto's
server, over real HTTP, driven by boto3), and every kind of file the app keeps (product and
after-sales images, ledger reports, e-invoices), kept there; imports are never kept."""

import io
import uuid
from datetime import timedelta

import boto3
import pytest
from celery.signals import task_retry
from moto.server import ThreadedMotoServer

from marketplace.extensions import celery_app, db
from marketplace.ledger.models import LedgerReport
from marketplace.ledger.tasks import make_report
from marketplace.procurement.models import ImportJob
from marketplace.storage import LocalStorage, S3Storage, StorageUnavailable, from_config, storage
from marketplace.timeutil import china_today
from tests import images
from tests.aftersales import test_after_sales as after_sales_tests
from tests.aftersales import test_fapiao as fapiao_tests
from tests.factories import ProductFactory, SupplierFactory
from tests.processes import free_port
from tests.procurement.importing import imported
from tests.sales import sell

BUCKET = "marketplace-files"
REGION = "cn-north-1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def key(ext: str = "png") -> str:
    return f"{uuid.uuid4().hex}.{ext}"


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on a free port of this machine, with the bucket made; boto3 finds its
    (made-up) credentials in the environment, as it would a deployment's."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=url, region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield url
        server.stop()


def objects(endpoint: str, prefix: str) -> list[str]:
    listed = boto3.client("s3", endpoint_url=endpoint, region_name=REGION).list_objects_v2(
        Bucket=BUCKET, Prefix=prefix
    )
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(str(tmp_path / "files"))
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(BUCKET, uuid.uuid4().hex, endpoint_url=endpoint, region=REGION)


# The contract ------------------------------------------------------------------------------------


def test_a_saved_file_reads_back_and_saving_again_replaces_it(store):
    name = key("csv")
    store.save(name, b"a,b\n1,2\n")
    assert store.read(name) == b"a,b\n1,2\n"
    store.save(name, b"\xef\xbb\xbfnew")
    assert store.read(name) == b"\xef\xbb\xbfnew"


def test_a_missing_file_reads_none_and_deleting_it_is_no_error(store):
    name = key()
    assert store.read(name) is None
    store.delete(name)
    store.save(name, PNG)
    store.delete(name)
    assert store.read(name) is None


def test_a_name_not_of_the_stores_shape_is_never_a_file(store):
    assert store.read("../../etc/passwd") is None
    assert store.read("0" * 32 + ".exe") is None
    with pytest.raises(ValueError):
        store.save("../escape.png", PNG)


# The object store --------------------------------------------------------------------------------


def test_the_object_store_keeps_files_under_its_prefix(s3_endpoint):
    prefix = uuid.uuid4().hex
    name = key("xlsx")
    S3Storage(BUCKET, f"/{prefix}/reports/", endpoint_url=s3_endpoint, region=REGION).save(name, b"x")
    assert objects(s3_endpoint, prefix) == [f"{prefix}/reports/{name}"]


def test_an_unreachable_store_or_a_missing_bucket_is_unavailable_not_missing(s3_endpoint):
    down = S3Storage(BUCKET, endpoint_url=f"http://127.0.0.1:{free_port()}", region=REGION, timeout_seconds=1)
    no_bucket = S3Storage("no-such-bucket", endpoint_url=s3_endpoint, region=REGION)
    for broken in (down, no_bucket):
        with pytest.raises(StorageUnavailable):
            broken.save(key(), PNG)
        with pytest.raises(StorageUnavailable):
            broken.read(key())
        with pytest.raises(StorageUnavailable):
            broken.delete(key())


def test_the_storage_url_chooses_the_store(tmp_path):
    local = from_config({"STORAGE_URL": None, "UPLOAD_DIR": str(tmp_path)}, "/srv/instance")
    assert isinstance(local, LocalStorage) and local.root == tmp_path
    settings = {
        "STORAGE_URL": "s3://bucket-1/market/files",
        "S3_ENDPOINT_URL": "https://oss-cn-hangzhou.aliyuncs.com",
        "S3_REGION": "cn-hangzhou",
        "S3_ADDRESSING_STYLE": "virtual",
        "S3_TIMEOUT_SECONDS": 5,
    }
    remote = from_config(settings, "/srv/instance")
    assert isinstance(remote, S3Storage) and (remote.bucket, remote.prefix) == ("bucket-1", "market/files/")
    assert remote.client.meta.endpoint_url == "https://oss-cn-hangzhou.aliyuncs.com"


# The app's files, kept in the object store ---------------------------------------------------------


@pytest.fixture
def s3_app(app, s3_endpoint, monkeypatch):
    """The app configured for the object store, as MARKETPLACE_STORAGE_URL and _S3_ENDPOINT_URL
    would; returns the prefix its files go under."""
    prefix = uuid.uuid4().hex
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{BUCKET}/{prefix}")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setitem(app.config, "S3_REGION", REGION)
    monkeypatch.setitem(app.config, "S3_TIMEOUT_SECONDS", 1)
    monkeypatch.delitem(app.extensions, "storage", raising=False)
    yield prefix
    app.extensions.pop("storage", None)


def upload_image(client, product_id, headers):
    return client.post(
        f"/api/v1/products/{product_id}/images",
        data={"file": (io.BytesIO(images.png()), "photo.png")},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_uploaded_image_is_kept_in_the_object_store_served_back_and_deleted(
    client, make_user, s3_app, s3_endpoint
):
    user, headers = make_user()
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    r = upload_image(client, product.id, headers)
    assert r.status_code == 201, r.json
    keys = {r.json[url].rsplit("/", 1)[1] for url in ("url", "thumbnail_url")}
    assert sorted(objects(s3_endpoint, s3_app)) == sorted(f"{s3_app}/{key}" for key in keys)
    image = client.get(r.json["url"])
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert image.data.startswith(b"\xff\xd8\xff") and client.get(r.json["thumbnail_url"]).status_code == 200
    deleted = client.delete(f"/api/v1/products/{product.id}/images/{r.json['id']}", headers=headers)
    assert deleted.status_code == 204
    assert objects(s3_endpoint, s3_app) == [] and client.get(r.json["url"]).status_code == 404


def test_the_store_down_is_503_with_retry_after_and_no_image_is_recorded(app, client, make_user, s3_app):
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    user, headers = make_user()
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    r = upload_image(client, product.id, headers)
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json["error_code"] == "storage_unavailable"
    assert r.json["message"] == "文件存储暂不可用，请稍后再试。"
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []


def test_an_image_deleted_while_the_store_is_down_is_gone_all_the_same(app, client, make_user, s3_app):
    user, headers = make_user()
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    image = upload_image(client, product.id, headers).json
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    app.extensions.pop("storage")
    deleted = client.delete(f"/api/v1/products/{product.id}/images/{image['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []


def last_month_with_a_sale():
    start = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    sell(ProductFactory(supplier=SupplierFactory(region_code="500236")), start, 12_300, key="s3")
    return start.strftime("%Y-%m")


def test_a_ledger_report_is_kept_in_the_object_store_and_downloaded_by_whom_may_read_it(
    client, make_user, s3_app, s3_endpoint
):
    month = last_month_with_a_sale()
    _, officer = make_user(("region_officer", "500236"))
    _, elsewhere = make_user(("region_officer", "500237"))
    made = client.post("/api/v1/reports/ledger", json={"month": month, "format": "csv"}, headers=officer).json
    assert made["status"] == "ready" and len(objects(s3_endpoint, s3_app)) == 1
    r = client.get(f"/api/v1/reports/ledger/{made['id']}/file", headers=officer)
    assert r.status_code == 200 and "12300" in r.data.decode("utf-8-sig")
    assert client.get(f"/api/v1/reports/ledger/{made['id']}/file", headers=elsewhere).status_code == 404


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_report_whose_file_the_store_lost_is_404_asking_for_it_again(request, client, make_user, where):
    if where == "s3":
        request.getfixturevalue("s3_app")
    month = last_month_with_a_sale()
    _, admin = make_user(("admin", None))
    made = client.post("/api/v1/reports/ledger", json={"month": month, "format": "xlsx"}, headers=admin).json
    storage().delete(db.session.get(LedgerReport, made["id"]).storage_key)
    r = client.get(f"/api/v1/reports/ledger/{made['id']}/file", headers=admin)
    assert r.status_code == 404 and r.json["message"] == f"第 {made['id']} 号台账的文件已丢失：请重新申请。"


def test_a_report_made_while_the_store_was_down_is_made_on_a_retry(app, s3_app, s3_endpoint):
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    queued = LedgerReport(month=last_month_with_a_sale(), format="csv")
    db.session.add(queued)
    db.session.commit()
    seen = []

    def store_comes_back(sender=None, reason=None, **kwargs):
        seen.append(type(reason.exc))
        app.config["S3_ENDPOINT_URL"] = s3_endpoint
        app.extensions.pop("storage", None)

    before, celery_app.conf.task_eager_propagates = celery_app.conf.task_eager_propagates, False
    task_retry.connect(store_comes_back, weak=False)
    try:
        assert make_report.apply(args=[queued.id]).get() == "ready"
    finally:
        task_retry.disconnect(store_comes_back)
        celery_app.conf.task_eager_propagates = before
    assert seen == [StorageUnavailable] and len(objects(s3_endpoint, s3_app)) == 1


def test_an_import_upload_is_kept_with_its_job_not_in_the_store_and_dropped_once_read(
    desk, s3_app, s3_endpoint
):
    order = desk.draft()
    data = f"product_id,quantity\n{desk.orange.id},3\n".encode()
    r = imported(desk.client, order["id"], data, "lines.csv", desk.purchaser_h)
    assert r.status_code == 200 and [line["quantity"] for line in r.json["lines"]] == [3]
    assert objects(s3_endpoint, s3_app) == []
    assert db.session.scalars(db.select(ImportJob.data)).all() == [None]


def test_an_e_invoice_and_an_after_sales_photo_are_kept_in_the_object_store_for_whom_may_read_them(
    shop, s3_app, s3_endpoint
):
    order, part, _ = fapiao_tests.paid_parts(shop)
    fapiao = fapiao_tests.ask(shop, part).json
    issued = fapiao_tests.upload(shop, fapiao["id"]).json
    got = shop.client.get(issued["invoice_url"], headers=shop.buyer_headers)
    assert got.status_code == 200 and got.data == fapiao_tests.PDF
    assert shop.client.get(issued["invoice_url"], headers=shop.other_headers).status_code == 404
    orange = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    request = after_sales_tests.ask(shop, order, [{"line_id": orange["id"], "quantity": 1}]).json
    photo = shop.client.post(
        f"/api/v1/after-sales/{request['id']}/photos",
        data={"file": (io.BytesIO(PNG), "rotten.png")},
        headers=shop.buyer_headers,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.json
    listed = shop.client.get("/api/v1/after-sales", headers=shop.supplier_a_headers).json
    seen = shop.client.get(listed[0]["photos"][0]["url"], headers=shop.supplier_a_headers)
    assert seen.status_code == 200 and seen.data == PNG
    assert sorted(name.rsplit(".", 1)[1] for name in objects(s3_endpoint, s3_app)) == ["pdf", "png"]
