"""Reference data (regions, pairings, categories) served as prepared bytes: the same bytes the
schema dumps, an ETag and 304, Cache-Control, and a change seen by the very next request."""

import json
import shutil

import pytest
from flask import jsonify
from sqlalchemy import delete, select

from marketplace.catalog.models import Category
from marketplace.catalog.schemas import CategorySchema
from marketplace.extensions import db
from marketplace.i18n import force_locale
from marketplace.regions import services
from marketplace.regions.schemas import PairingSchema, RegionSchema
from tests.conftest import SEED_DIR


def regions(parent=None, level=None, q=None, page=1, page_size=100):
    stmt = services.list_regions(parent, level, q).limit(page_size).offset((page - 1) * page_size)
    return RegionSchema(many=True).dump(db.session.scalars(stmt))


DUMPS = {
    "/api/v1/regions?parent=500000": lambda: regions(parent="500000"),
    "/api/v1/regions?level=province&page=2&page_size=10": lambda: regions(
        level="province", page=2, page_size=10
    ),
    "/api/v1/regions?q=奉节": lambda: regions(q="奉节"),
    "/api/v1/regions/500236": lambda: RegionSchema().dump(services.get_region("500236")),
    "/api/v1/pairings?assisted=500236": lambda: PairingSchema(many=True).dump(
        services.list_pairings(None, "500236")
    ),
    "/api/v1/pairings": lambda: PairingSchema(many=True).dump(services.list_pairings(None, None)),
    "/api/v1/categories": lambda: CategorySchema(many=True).dump(
        db.session.scalars(select(Category).order_by(Category.code))
    ),
}


@pytest.mark.parametrize("path", DUMPS)
def test_the_prepared_answer_is_the_schemas_dump_byte_for_byte_in_both_languages(app, client, path):
    made = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert made.status_code == 200
    for language in ("zh-CN", "en"):
        served = client.get(path, headers={"Accept-Language": language})
        with force_locale("en" if language == "en" else "zh_CN"):
            assert served.get_data() == jsonify(DUMPS[path]()).get_data()
        assert served.headers.get("X-Pagination") == made.headers.get("X-Pagination")
        assert served.headers["ETag"] == made.headers["ETag"]
        assert served.headers["Cache-Control"] == "public, max-age=86400, must-revalidate"
    if "page=2" in path:
        assert json.loads(made.headers["X-Pagination"])["page"] == 2


def test_if_none_match_is_a_304_with_no_body_in_this_process_and_in_a_fresh_one(app, client):
    path = "/api/v1/regions?parent=500000"
    etag = client.get(path).headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "public" in again.headers["Cache-Control"]
    # Another process has not prepared it yet: the view answers, and its ETag is the same.
    app.extensions.pop("prepared_answers")
    fresh = client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 304 and fresh.get_data() == b""
    other = client.get(path, headers={"If-None-Match": '"an-older-answer"'})
    assert other.status_code == 200 and len(other.json) == 38


def test_a_signed_in_caller_gets_the_public_answer_too(client, make_user):
    _, headers = make_user()
    r = client.get("/api/v1/categories", headers=headers)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=86400, must-revalidate"


def test_errors_are_not_prepared(client):
    for _ in range(2):
        r = client.get("/api/v1/regions?parent=999999")
        assert (
            r.status_code == 422
            and "ETag" not in r.headers
            and "public" not in r.headers.get("Cache-Control", "")
        )


def test_a_reloaded_seed_is_seen_by_the_next_request(app, client, tmp_path):
    path = "/api/v1/pairings?assisted=500236"
    before = client.get(path)
    assert {p["since"] for p in before.json if p["helper_region_code"] == "371600"} == {2019}
    shutil.copytree(SEED_DIR / "regions", tmp_path / "regions")
    pairings = tmp_path / "regions" / "pairings.csv"
    text = pairings.read_text(encoding="utf-8")
    pairings.write_text(text.replace("500236,奉节县,lead,2019", "500236,奉节县,lead,2021"), encoding="utf-8")
    try:
        services.load_region_seed(tmp_path / "regions")
        after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200
        assert {p["since"] for p in after.json if p["helper_region_code"] == "371600"} == {2021}
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        services.load_region_seed(SEED_DIR / "regions")
    assert client.get(path).get_data() == before.get_data()


def test_a_category_written_past_the_app_is_seen_by_the_next_request(app, client):
    # As a migration or psql would write it: the database's trigger raises the version.
    before = client.get("/api/v1/categories")
    db.session.add(Category(code="fruit.berries", name="浆果", parent_code="fruit"))
    db.session.commit()
    try:
        after = client.get("/api/v1/categories", headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200
        assert {"code": "fruit.berries", "name": "浆果", "parent_code": "fruit"} in after.json
    finally:
        db.session.execute(delete(Category).where(Category.code == "fruit.berries"))
        db.session.commit()
    assert client.get("/api/v1/categories").get_data() == before.get_data()


def test_with_a_check_interval_a_change_is_seen_once_it_is_over(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REFERENCE_VERSION_SECONDS", 3600)
    app.extensions.pop("reference_version", None)
    before = client.get("/api/v1/categories")
    db.session.add(Category(code="fruit.berries", name="浆果", parent_code="fruit"))
    db.session.commit()
    try:
        within = client.get("/api/v1/categories")
        assert within.get_data() == before.get_data()  # the version this process read is still trusted
        monkeypatch.setitem(app.config, "REFERENCE_VERSION_SECONDS", 0)
        assert "fruit.berries" in {c["code"] for c in client.get("/api/v1/categories").json}
    finally:
        db.session.execute(delete(Category).where(Category.code == "fruit.berries"))
        db.session.commit()
