"""The security review's reproductions (issue 13): each answered 500; each is a 4xx naming what is
wrong. The parsing every blueprint shares (marketplace.parsing) and the pager (marketplace.pagination)
are where they are refused, so every endpoint is covered, not only those tried here."""

import pytest

from tests.factories import SupplierFactory
from tests.ledger.test_targets import YEAR_2026

LISTS = [
    "/api/v1/products",
    "/api/v1/regions",
    "/api/v1/suppliers",
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v1/purchase-orders",
    "/api/v1/certifications",
    "/api/v1/targets",
    "/api/v1/alerts",
    "/api/v1/audit-events",
]
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5_000


@pytest.fixture
def admin(make_user):
    return make_user(("admin", None))


def assert_refused(r, status, location, field=None):
    assert r.status_code == status, r.data
    assert r.json["code"] == status and r.json["message"]
    if field is None:
        assert location in r.json["errors"]
    else:
        assert field in r.json["errors"][location], r.json


@pytest.mark.parametrize("path", LISTS)
def test_a_page_far_past_the_end_of_every_list_is_422(client, admin, path):
    r = client.get(path + "?page=100000000000000000&page_size=100", headers=admin[1])
    assert_refused(r, 422, "query", "page")


@pytest.mark.parametrize("query", ["page=²", "page=٣", "page_size=²", "supplier_id=٣", "page= 2", "page=1_0"])
def test_numbers_in_query_strings_are_ascii_digits(client, query):
    r = client.get("/api/v1/products?" + query)
    assert_refused(r, 422, "query", query.split("=")[0])


def test_pages_within_bounds_still_list(client):
    assert client.get("/api/v1/products?page=1000000&page_size=100").json == []


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/suppliers"])
@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"email": ' + HUGE + "}",
        '{"email": 1e999}',
        '{"email": NaN}',
        '{"a": ' + "[" * 40 + "]" * 40 + "}",
    ],
    ids=["nested-100000-deep", "5000-digits", "beyond-float", "nan", "nested-41-deep"],
)
def test_json_too_deep_or_numbers_too_big_are_400(client, make_user, path, body):
    headers = make_user()[1] if path == "/api/v1/suppliers" else {}
    r = client.post(path, data=body, content_type="application/json", headers=headers)
    assert_refused(r, 400, "json")


def test_a_nul_in_a_query_argument_is_422_naming_it(client):
    assert_refused(client.get("/api/v1/products?category=%00"), 422, "query", "category")


# Signed in, on PostgreSQL (which refuses NUL in text; SQLite stores it) --------------------------------


@pytest.mark.postgres
def test_a_nul_in_a_product_category_is_422(client, make_user):
    user, headers = make_user()
    supplier = SupplierFactory(members=[user])
    body = {
        "supplier_id": supplier.id,
        "name": "奉节脐橙",
        "category": "fruit\x00",
        "unit": "箱",
        "price_fen": 6990,
        "stock": 5,
    }
    assert_refused(client.post("/api/v1/products", json=body, headers=headers), 422, "json", "category")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query",
    ["/api/v1/users?email=a%00", "/api/v1/audit-events?subject_type=x%00", "/api/v1/audit-events?action=%00"],
)
def test_a_nul_in_an_admins_filter_is_422(client, admin, query):
    assert_refused(client.get(query, headers=admin[1]), 422, "query", query.split("?")[1].split("=")[0])


@pytest.mark.postgres
def test_a_nul_in_a_target_name_is_422(client, admin):
    body = {"name": "重庆\x00", "amount_fen": 100, **YEAR_2026}
    assert_refused(client.post("/api/v1/targets", json=body, headers=admin[1]), 422, "json", "name")


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["100000000000000000000", "3000000000", "0"])
def test_an_audit_actor_beyond_the_ids_is_422(client, admin, value):
    r = client.get(f"/api/v1/audit-events?actor_id={value}", headers=admin[1])
    assert_refused(r, 422, "query", "actor_id")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0002-01-01"), ("9998-01-01", "9999-12-31"), ("1999-12-31", "2026-01-01")],
)
def test_a_target_outside_this_era_is_422(client, admin, start, end):
    body = {"name": "远古目标", "amount_fen": 100, "period_start": start, "period_end": end}
    r = client.post("/api/v1/targets", json=body, headers=admin[1])
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]["json"]) <= {"period_start", "period_end"}


@pytest.mark.postgres
@pytest.mark.parametrize("path", ["/api/v1/images/a%00b", "/api/v1/regions/%00"])
def test_a_nul_in_a_path_finds_nothing(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.json["code"] == 404
