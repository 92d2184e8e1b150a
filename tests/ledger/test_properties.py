"""For random sales, refunds, replays and filters, every tally and target figure equals the sum over
the raw entries, whether it is answered from the monthly rollup or from the entries themselves."""

import dataclasses
from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from marketplace.catalog.services import certificates_on
from marketplace.extensions import db
from marketplace.ledger import entries as ledger
from marketplace.ledger import tallies, targets
from marketplace.ledger.models import LedgerEntry, Target
from marketplace.regions.models import Region
from tests.factories import ProductFactory, SupplierFactory

START = date(2025, 1, 1)
BUYERS = ["370102", "370211", "370000", "440106", "500101", "110101"]  # Jinan, Qingdao, Shandong, ...
CHANNELS = ["web", "procurement", "union", "counter"]
EXPIRES = START + timedelta(days=400)  # every product's certificate lapses part-way through

sale = st.fixed_dictionaries(
    {
        "product": st.integers(0, 2),
        "day": st.integers(0, 729),
        "amount": st.integers(1, 10**9),
        "quantity": st.integers(1, 500),
        "buyer": st.sampled_from(BUYERS),
        "channel": st.sampled_from(CHANNELS),
        "refund": st.none() | st.integers(1, 100),  # percent of it refunded later
    }
)
query = st.fixed_dictionaries(
    {
        "group_by": st.lists(st.sampled_from(tallies.GROUPS), max_size=3, unique=True),
        "year": st.none() | st.sampled_from([2025, 2026]),
        "buyer_region": st.none() | st.sampled_from(["370000", "370200", "370102", "440000"]),
        "origin_region": st.none() | st.sampled_from(["500000", "500236", "530000", "530600"]),
        "channel": st.none() | st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2, unique=True),
        "certified_only": st.booleans(),
        # A target's period: from this many days into the first year, this many days long.
        "starts_after": st.integers(0, 400),
        "days": st.integers(1, 500),
    }
)


@pytest.fixture
def products(app):
    made = []
    for county, category, weight in (
        ("500236", "fruit.citrus", 5000),
        ("500237", "honey", 500),
        ("530621", "herbs", None),
    ):
        supplier = SupplierFactory(region_code=county)
        made.append(
            ProductFactory(
                supplier=supplier,
                category_code=category,
                net_weight_g=weight,
                certificate_no=f"BF-{county}-2025-000001",
                certified_until=EXPIRES,
            ).id
        )
    db.session.commit()
    return made


def _empty_ledger():
    db.session.rollback()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE ledger_entries, ledger_monthly"))
        else:
            conn.execute(text("DELETE FROM ledger_entries"))
            conn.execute(text("DELETE FROM ledger_monthly"))
    db.session.execute(db.delete(Target))
    db.session.commit()


def _record(products, sales) -> list[ledger.Sale]:
    """As the payment services do: the certificate is the one valid on the sale date."""
    written = []
    for n, s in enumerate(sales):
        day = START + timedelta(days=s["day"])
        product_id = products[s["product"]]
        paid = ledger.Sale(
            source_key=f"prop:{n}:paid",
            sale_date=day,
            amount_fen=s["amount"],
            quantity=s["quantity"],
            product_id=product_id,
            buyer_region_code=s["buyer"],
            delivery_region_code=s["buyer"],
            channel=s["channel"],
            certificate_no=certificates_on({product_id}, day).get(product_id),
        )
        written.append(paid)
        if s["refund"]:
            written.append(
                dataclasses.replace(
                    paid,
                    source_key=f"prop:{n}:refund",
                    sale_date=day + timedelta(days=3),
                    amount_fen=-(s["amount"] * s["refund"] // 100) or -1,
                    quantity=0,
                )
            )
    ledger.record(written)
    db.session.commit()
    return written


def _in(region_code: str | None, entry: LedgerEntry, side: str) -> bool:
    if region_code is None:
        return True
    region = db.session.get(Region, region_code)
    if side == "buyer":
        own = {"province": entry.buyer_province_code, "city": entry.buyer_city_code}
        return own.get(region.level, entry.buyer_region_code) == region_code
    own = {"province": entry.origin_province_code, "city": entry.origin_city_code}
    return own.get(region.level, entry.origin_county_code) == region_code


def _expected(q, start=None, end=None) -> dict[tuple, list[int]]:
    """The query answered by summing the raw entries in Python."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for e in db.session.scalars(db.select(LedgerEntry)):
        if q["year"] and e.sale_date.year != q["year"]:
            continue
        if (start and e.sale_date < start) or (end and e.sale_date >= end):
            continue
        if not (_in(q["buyer_region"], e, "buyer") and _in(q["origin_region"], e, "origin")):
            continue
        if (q["channel"] and e.channel not in q["channel"]) or (q["certified_only"] and not e.certificate_no):
            continue
        groups = {
            **{name: getattr(e, column) for name, column in tallies.GROUP_COLUMNS.items()},
            "month": e.sale_date.strftime("%Y-%m"),
        }
        row = sums[tuple(groups[g] for g in q["group_by"])]
        for i, value in enumerate((e.amount_fen, e.quantity, e.weight_g or 0, 1)):
            row[i] += value
    return dict(sums)


def _answered(rows, group_by) -> dict[tuple, list[int]]:
    return {
        tuple(r[g] for g in group_by): [r["amount_fen"], r["quantity"], r["weight_g"], r["entries"]]
        for r in rows
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sales=st.lists(sale, min_size=1, max_size=25), queries=st.lists(query, min_size=1, max_size=4))
def test_tallies_and_progress_equal_the_raw_entries(products, sales, queries):
    _empty_ledger()
    written = _record(products, sales)
    before = tallies.tally(["origin_county", "month"], {})
    assert ledger.record(written) == 0  # every payment and refund event replayed: nothing new
    db.session.commit()
    assert tallies.tally(["origin_county", "month"], {}) == before
    assert ledger.rollup_differences() == []

    for q in queries:
        expected = _expected(q)
        filters = {
            k: q[k]
            for k in ("year", "buyer_region", "origin_region", "channel", "certified_only")
            if q[k] is not None
        }
        if not q["group_by"]:
            expected = expected or {(): [0, 0, 0, 0]}
        assert _answered(tallies.tally(q["group_by"], filters), q["group_by"]) == expected
        assert _answered(tallies.tally(q["group_by"], filters, raw=True), q["group_by"]) == expected

        start = START + timedelta(days=q["starts_after"])
        end = start + timedelta(days=q["days"])
        target = Target(
            name="property",
            period_start=start,
            period_end=end,
            amount_fen=1,
            buyer_region_code=q["buyer_region"],
            origin_region_code=q["origin_region"],
            channels=q["channel"] or [],
            certified_only=q["certified_only"],
        )
        db.session.add(target)
        db.session.flush()
        p = targets.progress_of(target, start + timedelta(days=q["days"] // 2))
        month_sums = _expected({**q, "year": None, "group_by": ["month"]}, start, end)
        assert p["achieved_fen"] == sum(v[0] for v in month_sums.values())
        assert p["achieved_g"] == sum(v[2] for v in month_sums.values())
        assert {m["month"]: m["amount_fen"] for m in p["by_month"]} == {
            k[0]: v[0] for k, v in month_sums.items()
        }
    db.session.rollback()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sales=st.lists(sale, min_size=1, max_size=15))
def test_refunds_reduce_exactly_and_expired_certificates_do_not_count(products, sales):
    _empty_ledger()
    _record(products, sales)
    total = tallies.tally([], {})[0]["amount_fen"]
    refunded = sum(-(s["amount"] * s["refund"] // 100) or -1 for s in sales if s["refund"])
    assert total == sum(s["amount"] for s in sales) + refunded
    certified = tallies.tally([], {"certified_only": True})[0]["amount_fen"]
    in_time = [(s, START + timedelta(days=s["day"])) for s in sales]
    assert certified == sum(
        s["amount"] + ((-(s["amount"] * s["refund"] // 100) or -1) if s["refund"] else 0)
        for s, day in in_time
        if day < EXPIRES  # a refund keeps the certificate its sale counted under
    )
