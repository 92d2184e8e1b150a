"""Test data: factory_boy factories over the app's session, and valid credit codes."""

import itertools
import random

import factory

from marketplace.catalog.models import Product, ProductSearchTerm
from marketplace.catalog.search import index_terms
from marketplace.extensions import db
from marketplace.suppliers import uscc
from marketplace.suppliers.models import Supplier, SupplierMember

_serial = itertools.count(1)


def valid_uscc(rng: random.Random | None = None, division: str = "500236") -> str:
    rng = rng or random.Random(next(_serial))
    org = "".join(rng.choice(uscc.CHARSET) for _ in range(9))
    first17 = "93" + division + org  # 9: registered by the agriculture administration; 3: cooperative
    return first17 + uscc.check_character(first17)


class SupplierFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = Supplier
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    name = factory.Sequence(lambda n: f"奉节县第{n}脐橙专业合作社")
    kind = "cooperative"
    uscc = factory.LazyFunction(valid_uscc)
    region_code = "500236"
    linkage_modes = ["guaranteed_price_buying"]
    households_linked = 120
    contact_name = "王明"
    contact_phone = "13800000000"
    status = "verified"

    @factory.post_generation
    def members(self, create, users, **kwargs):
        for user in users or []:
            self.members.append(SupplierMember(user_id=user.id))
        if create and users:
            db.session.commit()


class ProductFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        model = Product
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"奉节脐橙{n}号 5kg")
    category_code = "fruit.citrus"
    unit = "箱"
    price_fen = 8800
    stock = 100
    origin_region_code = factory.SelfAttribute("supplier.region_code")
    description = "奉节县高山脐橙，当季采摘"

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            db.session.add_all(ProductSearchTerm(term=t, product_id=self.id) for t in index_terms(self.name))
            db.session.commit()
