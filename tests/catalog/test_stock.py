from marketplace.catalog.models import Product
from marketplace.catalog.stock import put_back, reserve
from marketplace.extensions import db
from tests.factories import ProductFactory


def stock(product):
    return db.session.get(Product, product.id, populate_existing=True).stock


def test_stock_put_back_for_a_product_named_twice_returns_both_quantities(app):
    product = ProductFactory(stock=10)
    put_back([(product.id, 2), (product.id, 3)])
    db.session.commit()
    assert stock(product) == 15


def test_reserve_takes_every_products_quantity_at_once(app):
    products = [ProductFactory(stock=10) for _ in range(3)]
    reserve({p.id: i + 1 for i, p in enumerate(products)}, "items")
    db.session.commit()
    assert [stock(p) for p in products] == [9, 8, 7]
