import json
from datetime import timedelta

import pytest

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


def new_product(**overrides):
    return {
        "supplier_id": overrides.pop("supplier_id"),
        "name": "奉节脐橙 5kg 礼盒",
        "category": "fruit.citrus",
        "unit": "箱",
        "price_fen": 6990,
        "stock": 500,
        "description": "72 小时内发货",
        "expected_harvest": {"quantity": 20000, "on": "2026-12-01"},
        **overrides,
    }


def names(client, query=""):
    r = client.get("/api/v1/products" + query)
    assert r.status_code == 200, r.json
    return [p["name"] for p in r.json]


@pytest.fixture
def member(make_user):
    return make_user()


def test_member_of_verified_supplier_lists_a_product(client, member):
    user, headers = member
    supplier = SupplierFactory(members=[user])
    r = client.post("/api/v1/products", json=new_product(supplier_id=supplier.id), headers=headers)
    assert r.status_code == 201, r.json
    body = r.json
    assert body["origin_region_code"] == "500236" and body["origin_name"] == "奉节县"
    assert body["category_name"] == "柑橘橙柚" and body["active"] is True and body["certificate_no"] is None
    assert body["expected_harvest"] == {"quantity": 20000, "on": "2026-12-01"}
    assert names(client) == ["奉节脐橙 5kg 礼盒"]


def test_pending_supplier_cannot_list_and_strangers_cannot_list_for_others(client, member, make_user):
    user, headers = member
    pending = SupplierFactory(status="pending", members=[user])
    r = client.post("/api/v1/products", json=new_product(supplier_id=pending.id), headers=headers)
    assert r.status_code == 409
    _, stranger = make_user()
    verified = SupplierFactory(members=[user])
    r = client.post("/api/v1/products", json=new_product(supplier_id=verified.id), headers=stranger)
    assert r.status_code == 403
    assert db.session.query(Product).count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "fruit.durian"),
        ("origin_region_code", "371602"),
        ("price_fen", 0),
        ("stock", -1),
        ("price_fen", 10**12),
        ("name", "x"),
    ],
)
def test_bad_product_fields_are_422_naming_them(client, member, field, value):
    user, headers = member
    supplier = SupplierFactory(members=[user])
    r = client.post(
        "/api/v1/products", json=new_product(supplier_id=supplier.id, **{field: value}), headers=headers
    )
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]


def test_catalog_shows_only_active_products_of_verified_suppliers(client):
    ProductFactory(name="上架脐橙")
    ProductFactory(name="下架脐橙", is_active=False)
    ProductFactory(name="待审脐橙", supplier=SupplierFactory(status="pending"))
    ProductFactory(name="停业脐橙", supplier=SupplierFactory(status="suspended"))
    assert names(client) == ["上架脐橙"]


def test_unlisted_product_is_404_to_the_public_but_visible_to_its_members(client, member):
    user, headers = member
    product = ProductFactory(is_active=False, supplier=SupplierFactory(members=[user]))
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    assert client.get(f"/api/v1/products/{product.id}", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("脐橙", {"奉节脐橙 5kg", "秭归脐橙"}),
        ("奉节脐橙", {"奉节脐橙 5kg"}),
        ("橙", {"奉节脐橙 5kg", "秭归脐橙", "血橙"}),
        ("奉节 5KG", {"奉节脐橙 5kg"}),  # words in any order; case and width folded
        ("橙脐", set()),  # characters in the wrong order
        ("腊肉", {"城口老腊肉"}),
        ("榴莲", set()),
    ],
)
def test_chinese_search(client, q, expected):
    for name in ["奉节脐橙 5kg", "秭归脐橙", "血橙", "城口老腊肉", "巫山脆李"]:
        ProductFactory(name=name)
    assert set(names(client, f"?q={q}")) == expected


def test_filters_category_tree_origin_supplier_price_and_certified(client):
    wuxi = SupplierFactory(region_code="500238")
    ProductFactory(name="奉节脐橙", price_fen=5000)
    ProductFactory(name="巫溪洋芋", category_code="vegetables.tubers", supplier=wuxi, price_fen=1500)
    ProductFactory(
        name="镇雄天麻",
        category_code="herbs",
        supplier=SupplierFactory(region_code="530627"),
        price_fen=20000,
    )
    ProductFactory(
        name="认证脐橙",
        price_fen=7000,
        certificate_no="BF-500236-2026-000001",
        certified_until=china_today() + timedelta(days=30),
    )
    ProductFactory(
        name="过期脐橙", price_fen=7000, certificate_no="BF-500236-2024-000002", certified_until=china_today()
    )
    assert set(names(client, "?category=fruit")) == {"奉节脐橙", "认证脐橙", "过期脐橙"}
    assert set(names(client, "?origin=500000")) == {"奉节脐橙", "巫溪洋芋", "认证脐橙", "过期脐橙"}
    assert names(client, "?origin=530600") == ["镇雄天麻"]
    assert names(client, f"?supplier_id={wuxi.id}") == ["巫溪洋芋"]
    assert set(names(client, "?min_price_fen=5000&max_price_fen=7000")) == {
        "奉节脐橙",
        "认证脐橙",
        "过期脐橙",
    }
    assert names(client, "?certified=true") == ["认证脐橙"]
    r = client.get("/api/v1/products?min_price_fen=9000&max_price_fen=100")
    assert r.status_code == 422 and "min_price_fen" in r.json["errors"]["query"]
    r = client.get("/api/v1/products?category=nonsense")
    assert r.status_code == 422


def test_sorts_and_pagination(client):
    for name, price in [("乙", 300), ("甲", 100), ("丙", 200)]:
        ProductFactory(name=name, price_fen=price)
    assert names(client, "?sort=price_fen") == ["甲", "丙", "乙"]
    assert names(client, "?sort=-price_fen") == ["乙", "丙", "甲"]
    assert names(client, "?sort=-created_at")[0] == "丙"
    r = client.get("/api/v1/products?sort=price_fen&page=2&page_size=2")
    assert [p["name"] for p in r.json] == ["乙"]
    assert json.loads(r.headers["X-Pagination"])["total"] == 3
    assert client.get("/api/v1/products?page_size=101").status_code == 422
    assert client.get("/api/v1/products?sort=stock").status_code == 422


def test_listing_is_cached_and_invalidated_when_a_product_changes(client, member):
    user, headers = member
    product = ProductFactory(name="奉节脐橙", price_fen=5000, supplier=SupplierFactory(members=[user]))
    first = client.get("/api/v1/products?category=fruit")
    assert first.headers["X-Cache"] == "miss"
    second = client.get("/api/v1/products?category=fruit")
    assert second.headers["X-Cache"] == "hit" and second.json == first.json
    assert second.headers["X-Pagination"] == first.headers["X-Pagination"]
    r = client.patch(f"/api/v1/products/{product.id}", json={"price_fen": 4500}, headers=headers)
    assert r.status_code == 200
    third = client.get("/api/v1/products?category=fruit")
    assert third.headers["X-Cache"] == "miss" and third.json[0]["price_fen"] == 4500


def test_suspending_the_supplier_takes_its_products_off_the_cached_listing(client, make_user):
    _, officer = make_user(("region_officer", "500236"))
    product = ProductFactory()
    assert len(client.get("/api/v1/products").json) == 1
    assert client.get("/api/v1/products").headers["X-Cache"] == "hit"
    r = client.post(
        f"/api/v1/suppliers/{product.supplier_id}/suspend", json={"reason": "抽检不合格"}, headers=officer
    )
    assert r.status_code == 200
    assert client.get("/api/v1/products").json == []


def test_searches_are_not_cached(client):
    ProductFactory(name="奉节脐橙")
    assert "X-Cache" not in client.get("/api/v1/products?q=脐橙").headers


def test_patch_changes_price_stock_description_and_active_for_members_only(client, member, make_user):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    _, stranger = make_user()
    url = f"/api/v1/products/{product.id}"
    assert client.patch(url, json={"price_fen": 1}, headers=stranger).status_code == 403
    r = client.patch(
        url, json={"price_fen": 7700, "stock": 3, "description": "新果", "active": False}, headers=headers
    )
    assert r.status_code == 200
    assert (r.json["price_fen"], r.json["stock"], r.json["description"], r.json["active"]) == (
        7700,
        3,
        "新果",
        False,
    )
    assert client.patch(url, json={"stock": -5}, headers=headers).status_code == 422
    assert client.patch(url, json={"supplier_id": 2}, headers=headers).status_code == 422


def test_renaming_a_product_reindexes_it_for_search(client, member):
    user, headers = member
    product = ProductFactory(name="奉节脐橙", supplier=SupplierFactory(members=[user]))
    client.patch(f"/api/v1/products/{product.id}", json={"name": "巫山脆李"}, headers=headers)
    assert names(client, "?q=脐橙") == []
    assert names(client, "?q=脆李") == ["巫山脆李"]


# Images ---------------------------------------------------------------------------


def upload(client, product_id, data, headers, filename="photo.png"):
    from io import BytesIO

    return client.post(
        f"/api/v1/products/{product_id}/images",
        data={"file": (BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_image_upload_is_served_back_with_its_type(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    r = upload(client, product.id, PNG, headers)
    assert r.status_code == 201, r.json
    image = client.get(r.json["url"])
    assert image.status_code == 200 and image.data == PNG
    assert (
        image.headers["Content-Type"] == "image/png" and image.headers["X-Content-Type-Options"] == "nosniff"
    )
    assert client.get(f"/api/v1/products/{product.id}").json["images"][0]["url"] == r.json["url"]


def test_image_type_is_told_by_content_not_name(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    assert upload(client, product.id, b"<svg onload=alert(1)>", headers, "evil.png").status_code == 415
    assert upload(client, product.id, JPEG, headers, "photo.txt").json["content_type"] == "image/jpeg"


def test_image_size_and_count_limits(app, client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    limit = app.config["IMAGE_MAX_BYTES"]
    assert upload(client, product.id, PNG + b"\x00" * limit, headers).status_code == 413
    assert upload(client, product.id, PNG + b"\x00" * (limit * 2), headers).status_code == 413
    for _ in range(app.config["IMAGES_PER_PRODUCT"]):
        assert upload(client, product.id, PNG, headers).status_code == 201
    assert upload(client, product.id, PNG, headers).status_code == 409


def test_strangers_cannot_upload_or_delete_images(client, member, make_user):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    _, stranger = make_user()
    assert upload(client, product.id, PNG, stranger).status_code == 403
    image_id = upload(client, product.id, PNG, headers).json["id"]
    assert (
        client.delete(f"/api/v1/products/{product.id}/images/{image_id}", headers=stranger).status_code == 403
    )
    assert (
        client.delete(f"/api/v1/products/{product.id}/images/{image_id}", headers=headers).status_code == 204
    )
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []


def test_unknown_image_key_is_404(client):
    assert client.get("/api/v1/images/" + "0" * 32 + ".png").status_code == 404
    assert client.get("/api/v1/images/..%2F..%2Fetc%2Fpasswd").status_code == 404


# Traceability batches -------------------------------------------------------------


def test_batches_are_added_by_members_and_public_for_listed_products(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    batch = {
        "batch_code": "FJ-2026-11-A",
        "produced_on": "2026-11-10",
        "quantity": 800,
        "test_report_ref": "渝检字(2026)第1123号",
        "has_compliance_certificate": True,
    }
    r = client.post(f"/api/v1/products/{product.id}/batches", json=batch, headers=headers)
    assert r.status_code == 201
    assert (
        client.post(f"/api/v1/products/{product.id}/batches", json=batch, headers=headers).status_code == 409
    )
    listed = client.get(f"/api/v1/products/{product.id}/batches").json
    assert [(b["batch_code"], b["has_compliance_certificate"]) for b in listed] == [("FJ-2026-11-A", True)]


def test_categories_are_a_tree(client):
    categories = {c["code"]: c for c in client.get("/api/v1/categories").json}
    assert categories["fruit.citrus"]["parent_code"] == "fruit" and categories["fruit"]["name"] == "鲜果"
    assert {"tea", "handicrafts", "dried_goods", "grain_oil", "meat_eggs", "vegetables"} <= set(categories)


def test_a_missing_product_is_told_in_chinese_by_default_and_in_english_on_request(client):
    chinese = client.get("/api/v1/products/999999")
    assert chinese.status_code == 404 and chinese.json["message"] == "编号为 999999 的商品不存在。"
    english = client.get("/api/v1/products/999999", headers={"Accept-Language": "en"})
    assert english.json["message"] == "No product 999999."
    assert chinese.json["error_code"] == english.json["error_code"] == "not_found"
