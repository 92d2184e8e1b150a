"""Search finds every listed product whose name holds the words, best matches first, and its first
pages are cached under the catalog's version: a change is found (or not) by the next search."""

import json

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier, SupplierStatus
from tests.factories import ProductFactory, SupplierFactory

NAMES = [
    "奉节脐橙 5kg",
    "奉节脐橙礼盒 10kg",
    "脐橙",
    "秭归脐橙",
    "精品脐橙 家庭装",
    "血橙",
    "橙子酱",
    "城口老腊肉",
    "腊肉香肠",
    "巫山脆李",
    "李子",
    "奉节夏橙",
    "云阳红橙",
    "橙脐",  # the characters of 脐橙, the other way round
]


def search(client, q, **params):
    """Every product a search finds, paging to the end, and the total X-Pagination gives."""
    found, page, total = [], 1, None
    while True:
        query = {"q": q, "page": page, "page_size": 5, **params}
        r = client.get("/api/v1/products", query_string=query)
        assert r.status_code == 200, r.json
        total = json.loads(r.headers["X-Pagination"])["total"]
        found += r.json
        if not r.json or len(found) >= total:
            return found, total
        page += 1


@pytest.fixture
def member(make_user):
    return make_user()


@pytest.mark.parametrize("term", ["脐橙", "橙", "奉节", "腊肉", "李", "5kg", "礼盒 10kg", "榴莲"])
def test_a_search_finds_exactly_the_listed_products_whose_names_hold_the_term(client, term):
    supplier = SupplierFactory()
    for name in NAMES:
        ProductFactory(name=name, supplier=supplier)
    ProductFactory(name="下架脐橙", is_active=False)
    ProductFactory(name="待审脐橙", supplier=SupplierFactory(status="pending"))
    found, total = search(client, term)
    # Apart from the index: every word a LIKE on the name, on listed products.
    verified = select(Supplier.id).where(Supplier.status == SupplierStatus.VERIFIED)
    stmt = select(Product.id).where(Product.is_active.is_(True), Product.supplier_id.in_(verified))
    for word in term.split():
        stmt = stmt.where(func.lower(Product.name).contains(word))
    expected = set(db.session.scalars(stmt))
    assert {p["id"] for p in found} == expected
    assert total == len(found) == len(expected)


def test_a_search_ranks_names_starting_with_the_word_then_the_shortest_then_the_newest(client):
    for name in ("精品奉节脐橙礼盒", "脐橙 10kg 家庭装", "秭归脐橙", "奉节脐橙", "脐橙"):
        ProductFactory(name=name)
    ranked = [p["name"] for p in search(client, "脐橙")[0]]
    # 奉节脐橙 and 秭归脐橙 are as long: the one listed later first.
    assert ranked == ["脐橙", "脐橙 10kg 家庭装", "奉节脐橙", "秭归脐橙", "精品奉节脐橙礼盒"]
    newest = [p["name"] for p in search(client, "脐橙", sort="-created_at")[0]]
    assert newest == ["脐橙", "奉节脐橙", "秭归脐橙", "脐橙 10kg 家庭装", "精品奉节脐橙礼盒"]


def test_a_page_past_the_end_of_a_search_still_counts_it(client):
    for name in ("奉节脐橙", "秭归脐橙"):
        ProductFactory(name=name)
    r = client.get("/api/v1/products?q=脐橙&page=9")
    assert r.status_code == 200 and r.json == []
    assert json.loads(r.headers["X-Pagination"])["total"] == 2


def test_a_search_asked_again_is_served_from_the_cache_however_it_is_spelt(client):
    ProductFactory(name="奉节脐橙 5kg")
    asked = ["?q=奉节 5kg", "?q=奉节 5kg", "?q=%20奉节%20%205KG", "?q=奉节 ５ｋｇ&page=1&_=17"]
    responses = [client.get(f"/api/v1/products{q}") for q in asked]
    assert [r.headers["X-Cache"] for r in responses] == ["miss", "hit", "hit", "hit"]
    assert all(r.json == responses[0].json for r in responses)
    assert [p["name"] for p in responses[0].json] == ["奉节脐橙 5kg"]
    assert "X-Cache" not in client.get("/api/v1/products?q=奉节&page=4").headers  # past the cached pages


def test_a_product_added_renamed_or_delisted_is_found_or_not_by_the_next_search(client, member):
    user, headers = member
    supplier = SupplierFactory(members=[user])
    product = ProductFactory(name="奉节脐橙", supplier=supplier)

    def found(q):
        response = client.get("/api/v1/products", query_string={"q": q})
        return {p["name"] for p in response.json}

    assert found("脐橙") == {"奉节脐橙"} and found("脐橙") == {"奉节脐橙"}  # the second from the cache
    assert found("脆李") == set() and found("脆李") == set()
    new = {
        "supplier_id": supplier.id,
        "name": "秭归脐橙",
        "category": "fruit.citrus",
        "unit": "箱",
        "price_fen": 5000,
        "stock": 10,
    }
    assert client.post("/api/v1/products", json=new, headers=headers).status_code == 201
    assert found("脐橙") == {"奉节脐橙", "秭归脐橙"}
    r = client.patch(f"/api/v1/products/{product.id}", json={"name": "巫山脆李"}, headers=headers)
    assert r.status_code == 200
    assert found("脐橙") == {"秭归脐橙"} and found("脆李") == {"巫山脆李"}
    r = client.patch(f"/api/v1/products/{product.id}", json={"active": False}, headers=headers)
    assert r.status_code == 200
    assert found("脆李") == set()
