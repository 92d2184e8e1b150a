"""The cached catalog (the first pages of listings and each product's page, kept in Redis under the
catalog's version) changes exactly when what it shows changes: a price, stock across LOW_STOCK, a
certificate, a delisting, whichever app instance made the change, as users make it through the API."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from marketplace import create_app
from marketplace.catalog.stock import LOW_STOCK
from marketplace.certification import services as certification
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.certification.test_workflow import apply, review
from tests.factories import ProductFactory, SupplierFactory

LISTING = "/api/v1/products?page_size=20"


def page(client, product):
    return client.get(f"/api/v1/products/{product.id}")


def listed(client, product):
    """The product as the cached listing shows it (None: not on it), and whether it was a hit."""
    r = client.get(LISTING)
    shown = next((p for p in r.json if p["id"] == product.id), None)
    return shown, r.headers["X-Cache"]


@pytest.fixture
def orange(shop):
    """shop's 奉节脐橙 with 100 in stock, its page and the listing cached."""
    r = shop.client.patch(
        f"/api/v1/products/{shop.orange.id}", json={"stock": 100}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200
    assert page(shop.client, shop.orange).headers["X-Cache"] == "miss"
    assert listed(shop.client, shop.orange)[1] == "miss"
    return shop.orange


def test_the_page_and_listing_are_served_as_kept_with_an_etag_and_304(client):
    product = ProductFactory(name="奉节脐橙", price_fen=5000)
    first = page(client, product)
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    second = page(client, product)
    assert second.headers["X-Cache"] == "hit" and second.get_data() == first.get_data()
    assert (
        second.headers["ETag"] == first.headers["ETag"]
        and second.headers["Cache-Control"] == "public, no-cache"
    )
    again = client.get(f"/api/v1/products/{product.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert (
        again.status_code == 304
        and again.get_data() == b""
        and again.headers["ETag"] == first.headers["ETag"]
    )
    listing = client.get(LISTING)
    revalidated = client.get(LISTING, headers={"If-None-Match": listing.headers["ETag"]})
    assert revalidated.status_code == 304
    assert client.get(LISTING, headers={"If-None-Match": '"other"'}).json == listing.json


def test_a_price_change_is_on_the_next_page_and_listing_and_the_old_etag_gets_the_new_body(shop, orange):
    old = page(shop.client, orange)
    r = shop.client.patch(
        f"/api/v1/products/{orange.id}", json={"price_fen": 5990}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200, r.json
    assert page(shop.client, orange).json["price_fen"] == 5990
    assert listed(shop.client, orange)[0]["price_fen"] == 5990
    asked = shop.client.get(f"/api/v1/products/{orange.id}", headers={"If-None-Match": old.headers["ETag"]})
    assert asked.status_code == 200 and asked.json["price_fen"] == 5990


def test_orders_far_above_low_stock_leave_the_cached_pages_as_they_are(shop, orange):
    assert shop.order([{"product_id": orange.id, "quantity": 2}]).status_code == 201
    assert shop.stock(orange) == 98
    assert page(shop.client, orange).headers["X-Cache"] == "hit"
    assert listed(shop.client, orange)[1] == "hit"


def test_an_order_that_leaves_stock_below_low_stock_is_on_the_next_page_and_listing(shop, orange):
    take = 100 - LOW_STOCK + 1
    assert shop.order([{"product_id": orange.id, "quantity": take}]).status_code == 201
    assert page(shop.client, orange).json["stock"] == LOW_STOCK - 1
    assert listed(shop.client, orange)[0]["stock"] == LOW_STOCK - 1
    # Below it, each unit sold shows.
    assert shop.order([{"product_id": orange.id, "quantity": 1}]).status_code == 201
    assert page(shop.client, orange).json["stock"] == LOW_STOCK - 2


def test_selling_out_and_stock_put_back_by_a_cancelled_order_show_at_once(shop, orange):
    r = shop.order([{"product_id": orange.id, "quantity": 100}])
    assert r.status_code == 201
    assert page(shop.client, orange).json["stock"] == 0
    assert orange.id not in [p["id"] for p in shop.client.get("/api/v1/products?in_stock=true").json]
    cancel = shop.client.post(f"/api/v1/orders/{r.json['id']}/cancel", headers=shop.buyer_headers)
    assert cancel.status_code == 200, cancel.json
    assert page(shop.client, orange).json["stock"] == 100
    assert orange.id in [p["id"] for p in shop.client.get("/api/v1/products?in_stock=true").json]


@pytest.fixture
def people(make_user):
    """A supplier's member and the two officers who certify in Chongqing (county, municipality)."""
    member, member_headers = make_user()
    county, municipality = make_user(("region_officer", "500236")), make_user(("region_officer", "500000"))
    return {
        "member": member,
        "member_headers": member_headers,
        "county": county[1],
        "municipality": municipality[1],
    }


def test_a_certificate_granted_and_revoked_is_on_the_next_page_and_listing(client, people):
    product = ProductFactory(name="奉节脐橙", supplier=SupplierFactory(members=[people["member"]]))
    assert page(client, product).json["certificate_no"] is None
    assert listed(client, product)[0]["certificate_no"] is None
    cert_id = apply(client, product, people)
    assert review(client, cert_id, people["county"]).status_code == 200
    number = review(client, cert_id, people["municipality"]).json["certificate_no"]
    certification.advance_certifications(china_today() + timedelta(days=7))  # the notice ends (beat)
    assert page(client, product).json["certificate_no"] == number
    assert listed(client, product)[0]["certificate_no"] == number
    r = client.post(
        f"/api/v1/certifications/{cert_id}/revoke", json={"reason": "抽检农残超标"}, headers=people["county"]
    )
    assert r.status_code == 200
    assert page(client, product).json["certificate_no"] is None
    assert listed(client, product)[0]["certificate_no"] is None


def test_a_delisted_product_is_a_404_at_once_and_off_the_listing(shop, orange):
    r = shop.client.patch(
        f"/api/v1/products/{orange.id}", json={"active": False}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200
    assert page(shop.client, orange).status_code == 404
    assert listed(shop.client, orange)[0] is None
    # Its members still see it, never from the cache.
    mine = shop.client.get(f"/api/v1/products/{orange.id}", headers=shop.supplier_a_headers)
    assert mine.status_code == 200 and "X-Cache" not in mine.headers
    assert page(shop.client, orange).status_code == 404


def test_a_fresh_batch_puts_the_product_on_the_cached_in_season_listing(shop, orange):
    in_season = "/api/v1/products?in_season=true"
    assert shop.client.get(in_season).json == []
    batch = {"batch_code": "FJ-2026-12-01", "produced_on": china_today().isoformat()}
    r = shop.client.post(f"/api/v1/products/{orange.id}/batches", json=batch, headers=shop.supplier_a_headers)
    assert r.status_code == 201, r.json
    assert [p["id"] for p in shop.client.get(in_season).json] == [orange.id]


@pytest.fixture
def other_instance(settings, app):
    """A second app instance on the same database and Redis, as behind a load balancer."""
    other = create_app(settings)
    with other.app_context():
        yield other.test_client()


def test_a_change_through_one_instance_is_seen_through_the_other_at_once(shop, orange, other_instance):
    assert page(other_instance, orange).headers["X-Cache"] == "hit"  # kept by the first instance
    assert listed(other_instance, orange)[1] == "hit"
    r = shop.client.patch(
        f"/api/v1/products/{orange.id}", json={"price_fen": 4990}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200
    assert page(other_instance, orange).json["price_fen"] == 4990
    assert listed(other_instance, orange)[0]["price_fen"] == 4990
    assert shop.order([{"product_id": orange.id, "quantity": 100}]).status_code == 201
    assert page(other_instance, orange).json["stock"] == 0
    r = shop.client.patch(
        f"/api/v1/products/{orange.id}", json={"active": False}, headers=shop.supplier_a_headers
    )
    assert r.status_code == 200
    assert page(other_instance, orange).status_code == 404
    assert listed(other_instance, orange)[0] is None


def test_the_cached_pages_make_no_sql(app, client):
    product = ProductFactory(name="奉节脐橙")
    page(client, product), client.get(LISTING)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert page(client, product).headers["X-Cache"] == "hit"
        assert client.get(LISTING).headers["X-Cache"] == "hit"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
