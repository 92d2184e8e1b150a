"""A year of demo sales history, so that tallies, targets and alerts show something on the first
run. Written through `ledger.record`, the code path a paid order or purchase order takes (entries,
rollup, certificate valid on the day); not through orders, which would take minutes to replay."""

import math
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import click
from sqlalchemy import select

from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.ledger import entries as ledger
from marketplace.ledger.models import LedgerEntry
from marketplace.regions.models import Pairing, Region
from marketplace.suppliers.models import Supplier, SupplierStatus
from marketplace.timeutil import CHINA, china_today

DAYS = 400  # a year and a bit, so last year's same months are there to compare with
SALES = 6000
CHANNELS = [("web", 55), ("procurement", 20), ("union", 10), ("counter", 7), ("hall", 5), ("zone", 3)]
# Month weights by category: citrus in winter, plums in summer, the rest before the Spring Festival.
SEASONS = {
    "fruit.citrus": [3, 2.5, 1.5, 0.6, 0.3, 0.2, 0.2, 0.2, 0.4, 0.8, 2.5, 3],
    "fruit.plum_peach": [0.1, 0.1, 0.1, 0.2, 0.5, 2, 3, 3, 1, 0.3, 0.1, 0.1],
}
FESTIVAL = [2.5, 2, 0.8, 0.7, 0.7, 0.8, 0.7, 0.7, 1.2, 1, 1, 1.5]
# Where buyers are when the buyer is not in the paired region or the origin's own province.
ELSEWHERE = ["110105", "310115", "440106", "330106", "320106", "420106"]


def _buyer_regions() -> dict[str, list[str]]:
    """Counties to ship to, per province."""
    regions: dict[str, list[str]] = defaultdict(list)
    for code, province in db.session.execute(
        select(Region.code, Region.province_code).where(Region.level == "county")
    ):
        regions[province].append(code)
    return regions


def load_demo_history(echo: Callable[[str], None]) -> None:
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.source_key.startswith("demo:")).limit(1)):
        return
    rng = random.Random(2026)
    today = china_today()
    products = list(
        db.session.scalars(
            select(Product)
            .join(Supplier)
            .where(Supplier.status == SupplierStatus.VERIFIED, Product.is_active.is_(True))
        )
    )
    helpers: dict[str, list[str]] = defaultdict(list)
    for helper, assisted in db.session.execute(
        select(Pairing.helper_region_code, Pairing.assisted_region_code)
    ):
        helpers[assisted[:2] + "0000"].append(helper[:2] + "0000")
    counties = _buyer_regions()
    days = [today - timedelta(days=n) for n in range(DAYS, 0, -1)]
    channels, channel_weights = zip(*CHANNELS, strict=True)
    sales = []
    for n in range(SALES):
        product = rng.choice(products)
        season = SEASONS.get(product.category_code, FESTIVAL)
        day = rng.choices(days, [season[d.month - 1] * (1 + 0.3 * math.sin(d.toordinal())) for d in days])[0]
        province = product.origin_region_code[:2] + "0000"
        roll = rng.random()
        if roll < 0.6 and helpers.get(province):
            buyer = rng.choice(counties[rng.choice(helpers[province])])
        elif roll < 0.85:
            buyer = rng.choice(counties[province])
        else:
            buyer = rng.choice(ELSEWHERE)
        channel = rng.choices(channels, channel_weights)[0]
        quantity = rng.randint(50, 500) if channel in ("procurement", "union") else rng.randint(1, 3)
        sales.append(
            ledger.Sale(
                source_key=f"demo:{n}",
                sale_date=day,
                amount_fen=product.price_fen * quantity,
                quantity=quantity,
                product_id=product.id,
                buyer_region_code=buyer,
                delivery_region_code=buyer,
                channel=channel,
                certificate_no=product.certificate_on(day),
            )
        )
    sales.sort(key=lambda s: s.sale_date)
    # A product was on sale before it first sold: listed then, so that one gone quiet since is
    # unsold (滞销) to the daily task, as it would be after a year on the market.
    first_sold: dict[int, date] = {}
    for sale in sales:
        first_sold.setdefault(sale.product_id, sale.sale_date)
    for product in products:
        if product.id in first_sold:
            product.created_at = datetime.combine(first_sold[product.id], time(8), tzinfo=CHINA).astimezone(
                UTC
            )
    with click.progressbar(range(0, len(sales), 500), label=_("A year of demo sales")) as bar:
        for start in bar:
            ledger.record(sales[start : start + 500])
            db.session.commit()
    echo(_("Ledger: %(sales)s demo sales over the last %(days)s days", sales=len(sales), days=DAYS))
