from dataclasses import dataclass
from datetime import date

import pytest

from marketplace.alerts import services as alerts
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.ledger.models import Target
from tests.factories import ProductFactory, SupplierFactory
from tests.sales import sell


@dataclass
class Behind:
    target: Target
    orange: Product | None  # the Fengjie product sold, when something was
    counts: dict  # what the daily task said it raised and resolved, by kind


@pytest.fixture
def target_behind():
    """target_behind(sold_fen, on): Chongqing's 2026 target of ¥30,000,000 sold to Shandong's buyers,
    with `sold_fen` of a Fengjie orange sold on 1 February and the daily task run on `on` (by default
    1 July, half the year gone: behind unless ¥15M or so is sold)."""

    def make(sold_fen: int = 0, on: date = date(2026, 7, 1)) -> Behind:
        target = Target(
            name="2026 年重庆农产品销往山东 3000 万元",
            period_start=date(2026, 1, 1),
            period_end=date(2027, 1, 1),
            amount_fen=30_000_000_00,
            buyer_region_code="370000",
            origin_region_code="500000",
            channels=[],
            certified_only=False,
        )
        db.session.add(target)
        db.session.commit()
        orange = None
        if sold_fen:
            orange = ProductFactory(supplier=SupplierFactory(region_code="500236"))
            sell(orange, date(2026, 2, 1), sold_fen)
        return Behind(target, orange, alerts.raise_daily(on))

    return make
