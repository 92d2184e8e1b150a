from datetime import timedelta

from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory, TraceBatchFactory


def names(client, query=""):
    r = client.get("/api/v1/products" + query)
    assert r.status_code == 200, r.json
    return [p["name"] for p in r.json]


def facets(client, query=""):
    r = client.get("/api/v1/products/facets" + query)
    assert r.status_code == 200, r.json
    return r.json


def shelf():
    """Two Fengjie oranges (one certified, one sold out), Wuxi potatoes and Zhenxiong gastrodia."""
    wuxi = SupplierFactory(region_code="500238")
    ProductFactory(
        name="奉节脐橙 认证",
        price_fen=6990,
        certificate_no="BF-500236-2026-000001",
        certified_until=china_today() + timedelta(days=30),
    )
    ProductFactory(name="奉节脐橙 售罄", price_fen=4500, stock=0)
    ProductFactory(name="巫溪洋芋", category_code="vegetables.tubers", supplier=wuxi, price_fen=1500)
    ProductFactory(
        name="镇雄天麻",
        category_code="herbs",
        supplier=SupplierFactory(region_code="530627"),
        price_fen=26000,
    )


def test_facets_count_categories_origins_certified_stock_and_price_bands(client):
    shelf()
    body = facets(client)
    assert body["total"] == 4 and body["certified"] == 1 and body["in_stock"] == 3
    fruit = next(c for c in body["categories"] if c["code"] == "fruit")
    assert fruit["name"] == "鲜果" and fruit["count"] == 2
    assert {c["code"]: c["count"] for c in fruit["children"]}["fruit.citrus"] == 2
    assert body["origins"][0] == {"code": "500236", "name": "奉节县", "count": 2}
    assert {o["name"] for o in body["origins"]} == {"奉节县", "巫溪县", "镇雄县"}
    assert [(b["min_price_fen"], b["max_price_fen"], b["count"]) for b in body["price_bands"]] == [
        (0, 2000, 1),
        (2000, 5000, 1),
        (5000, 10000, 1),
        (10000, 20000, 0),
        (20000, None, 1),
    ]


def test_each_facet_is_counted_under_the_other_filters_but_not_its_own(client):
    shelf()
    body = facets(client, "?q=脐橙&origin=500236&certified=true")
    assert body["total"] == 1
    assert body["certified"] == 1  # the certified filter itself set aside: of the two oranges, one
    assert {o["name"]: o["count"] for o in body["origins"]} == {"奉节县": 1}
    wuxi = facets(client, "?origin=500238")
    assert wuxi["total"] == 1
    assert {c["code"]: c["count"] for c in wuxi["categories"]}["vegetables"] == 1
    assert {o["code"]: o["count"] for o in wuxi["origins"]} == {"500236": 2, "500238": 1, "530627": 1}
    assert facets(client, "?in_stock=true")["total"] == 3


def test_facets_reject_bad_filters_naming_the_field(client):
    r = client.get("/api/v1/products/facets?min_price_fen=9000&max_price_fen=100")
    assert r.status_code == 422 and "min_price_fen" in r.json["errors"]["query"]
    r = client.get("/api/v1/products/facets?certified=maybe")
    assert r.status_code == 422 and "certified" in r.json["errors"]["query"]


def test_in_stock_filter_leaves_out_sold_out_products(client):
    shelf()
    assert "奉节脐橙 售罄" not in names(client, "?in_stock=true")
    assert len(names(client, "?in_stock=true")) == 3


def test_in_season_is_fresh_produce_in_stock_with_a_batch_from_the_last_60_days(client):
    fresh = ProductFactory(name="新采脐橙")
    TraceBatchFactory(product=fresh, produced_on=china_today() - timedelta(days=5))
    stale = ProductFactory(name="去年脐橙")
    TraceBatchFactory(product=stale, produced_on=china_today() - timedelta(days=61))
    sold_out = ProductFactory(name="卖完脐橙", stock=0)
    TraceBatchFactory(product=sold_out)
    dried = ProductFactory(name="腊肉", category_code="herbs")
    TraceBatchFactory(product=dried)
    assert names(client, "?in_season=true") == ["新采脐橙"]


def test_relevance_puts_names_starting_with_the_word_and_shorter_ones_first(client):
    for name in ("精品奉节脐橙礼盒", "脐橙 10kg 家庭装", "脐橙"):
        ProductFactory(name=name)
    assert names(client, "?q=脐橙&sort=relevance") == ["脐橙", "脐橙 10kg 家庭装", "精品奉节脐橙礼盒"]
    assert client.get("/api/v1/products?sort=relevance").status_code == 200
