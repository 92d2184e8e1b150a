import io
import json
from datetime import timedelta

import pytest
from PIL import Image

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests import images
from tests.factories import ProductFactory, SupplierFactory


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


def test_a_suppliers_members_see_all_its_products_on_sale_or_not_and_others_are_refused(
    client, member, make_user
):
    user, headers = member
    supplier = SupplierFactory(members=[user])
    on_sale = ProductFactory(supplier=supplier, name="奉节脐橙 5kg")
    off_sale = ProductFactory(supplier=supplier, name="奉节脐橙 10kg", is_active=False)
    ProductFactory(name="巫山脆李")  # another supplier's
    path = f"/api/v1/suppliers/{supplier.id}/products"
    r = client.get(path, headers=headers)
    assert r.status_code == 200 and [p["id"] for p in r.json] == [off_sale.id, on_sale.id]
    assert [p["active"] for p in r.json] == [False, True]
    assert json.loads(r.headers["X-Pagination"])["total"] == 2
    assert [p["id"] for p in client.get(f"/api/v1/products?supplier_id={supplier.id}").json] == [on_sale.id]
    _, stranger = make_user()
    assert client.get(path, headers=stranger).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get("/api/v1/suppliers/999999/products", headers=headers).status_code == 404


# Images ---------------------------------------------------------------------------


def upload(client, product_id, data, headers, filename="photo.png"):
    from io import BytesIO

    return client.post(
        f"/api/v1/products/{product_id}/images",
        data={"file": (BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def served(client, url):
    answer = client.get(url)
    assert answer.status_code == 200 and answer.headers["X-Content-Type-Options"] == "nosniff"
    return Image.open(io.BytesIO(answer.data)), answer.headers["Content-Type"]


def test_a_phone_photo_is_stored_upright_scaled_with_a_thumbnail_and_no_location(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    # 4000x3000 as the sensor reads it, 6: to be turned 90° clockwise, i.e. a portrait photo.
    sent = images.photo(4000, 3000, orientation=6)
    assert len(sent) > 2 * 1024 * 1024  # over the old limit, as most phone photos are
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(images.GPS_IFD)  # it did say where
    r = upload(client, product.id, sent, headers, "IMG_0001.JPG")
    assert r.status_code == 201, r.json
    assert r.json["content_type"] == "image/jpeg" and r.json["thumbnail_url"] != r.json["url"]
    image, content_type = served(client, r.json["url"])
    assert content_type == "image/jpeg" and image.size == (1200, 1600)  # upright, long edge 1600
    assert r.json["size_bytes"] == len(client.get(r.json["url"]).data) < len(sent)
    thumbnail, _ = served(client, r.json["thumbnail_url"])
    assert thumbnail.size == (300, 400)
    for kept in (image, thumbnail):
        assert dict(kept.getexif()) == {} and not kept.getexif().get_ifd(images.GPS_IFD)
        assert not {"exif", "icc_profile", "xmp"} & set(kept.info)
    listed = client.get(f"/api/v1/products/{product.id}").json["images"]
    assert [(i["url"], i["thumbnail_url"]) for i in listed] == [(r.json["url"], r.json["thumbnail_url"])]


def test_a_small_photo_is_not_enlarged_and_transparency_stays_png(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    r = upload(client, product.id, images.png(300, 200, "RGBA"), headers)
    assert r.status_code == 201, r.json
    image, content_type = served(client, r.json["url"])
    assert content_type == "image/png" and image.size == (300, 200) and image.mode == "RGBA"
    assert served(client, r.json["thumbnail_url"])[0].size == (300, 200)


def test_image_type_is_told_by_content_not_name(client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    svg = upload(client, product.id, b"<svg onload=alert(1)>", headers, "evil.png")
    assert svg.status_code == 415
    assert svg.json["errors"] == {"files": {"file": ["不是可读取的 JPEG、PNG 或 WebP 图片。"]}}
    truncated = images.photo(800, 600, gps=False)[:5000]  # a JPEG's header, its pixels cut short
    assert upload(client, product.id, truncated, headers).status_code == 415
    sent = images.photo(200, 150, gps=False)
    assert upload(client, product.id, sent, headers, "photo.txt").json["content_type"] == "image/jpeg"
    assert len(client.get(f"/api/v1/products/{product.id}").json["images"]) == 1


def test_a_decompression_bomb_is_refused_before_it_is_decoded(app, client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    # One colour in a few KiB of PNG: 60 megapixels (over the 50 allowed, under Pillow's own limit)
    # and 400 (1.2 GB decoded, past twice Pillow's limit, which refuses it on opening).
    for width, height in ((10_000, 6_000), (20_000, 20_000)):
        bomb = io.BytesIO()
        Image.new("1", (width, height)).save(bomb, "PNG")
        assert len(bomb.getvalue()) < 100 * 1024
        r = upload(client, product.id, bomb.getvalue(), headers)
        assert r.status_code == 413 and r.json["errors"] == {"files": {"file": ["像素过多。"]}}
        assert r.json["message"] == "照片最多 50 百万像素。"
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []


def test_image_size_and_count_limits(app, client, member):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    limit = app.config["PRODUCT_IMAGE_MAX_BYTES"]
    assert upload(client, product.id, images.png() + b"\x00" * limit, headers).status_code == 413
    assert upload(client, product.id, images.png() + b"\x00" * (limit * 2), headers).status_code == 413
    for _ in range(app.config["IMAGES_PER_PRODUCT"]):
        assert upload(client, product.id, images.png(), headers).status_code == 201
    assert upload(client, product.id, images.png(), headers).status_code == 409


def test_strangers_cannot_upload_or_delete_images(client, member, make_user):
    user, headers = member
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    _, stranger = make_user()
    assert upload(client, product.id, images.png(), stranger).status_code == 403
    uploaded = upload(client, product.id, images.png(), headers).json
    image_id = uploaded["id"]
    assert (
        client.delete(f"/api/v1/products/{product.id}/images/{image_id}", headers=stranger).status_code == 403
    )
    assert (
        client.delete(f"/api/v1/products/{product.id}/images/{image_id}", headers=headers).status_code == 204
    )
    assert client.get(f"/api/v1/products/{product.id}").json["images"] == []
    assert client.get(uploaded["url"]).status_code == client.get(uploaded["thumbnail_url"]).status_code == 404


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
