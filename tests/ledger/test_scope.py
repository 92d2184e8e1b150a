"""Officers read the ledger of their own regions: the tallies, targets and progress whose origin or
buyer lies within them (a region with everything under it); admins read everything."""

from datetime import date

import pytest

from tests.factories import ProductFactory, SupplierFactory
from tests.ledger.test_targets import make_target
from tests.sales import sell


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(("admin", None))[1],
        "fengjie": make_user(("region_officer", "500236"))[1],
        "chongqing": make_user(("region_officer", "500000"))[1],
        "zhaotong": make_user(("region_officer", "530600"))[1],
        "shandong": make_user(("region_officer", "370000"))[1],
        "zhaoyang": make_user(("region_officer", "530602"))[1],
        "beijing": make_user(("region_officer", "110000"))[1],
        "buyer": make_user()[1],
    }


@pytest.fixture
def sales():
    """Fengjie sells to Jinan and to Zhaotong; Zhenxiong (in Zhaotong) sells to Jinan."""
    fengjie = ProductFactory(supplier=SupplierFactory(region_code="500236"))
    zhenxiong = ProductFactory(supplier=SupplierFactory(region_code="530627"))
    sell(fengjie, date(2026, 3, 1), 100_00, buyer="370102")
    sell(fengjie, date(2026, 3, 2), 20_00, buyer="530602")
    sell(zhenxiong, date(2026, 3, 3), 3_00, buyer="370102")
    return {"fengjie": fengjie.supplier_id, "zhenxiong": zhenxiong.supplier_id}


def tally(client, headers, query):
    r = client.get(f"/api/v1/tallies?{query}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def sums(rows, key):
    return {row[key]: row["amount_fen"] for row in rows}


def test_an_officer_cannot_read_another_regions_sums_per_supplier(client, people, sales):
    query = "group_by=supplier&origin_region=500236"
    assert sums(tally(client, people["admin"], query), "supplier") == {sales["fengjie"]: 120_00}
    assert sums(tally(client, people["fengjie"], query), "supplier") == {sales["fengjie"]: 120_00}
    # Zhaotong's officer sees Fengjie's sales to Zhaotong (their buyer side), never those to Jinan.
    assert sums(tally(client, people["zhaotong"], query), "supplier") == {sales["fengjie"]: 20_00}
    assert tally(client, people["beijing"], query) == []
    assert client.get(f"/api/v1/tallies?{query}", headers=people["buyer"]).status_code == 403


@pytest.mark.parametrize("year", ["", "&year=2026"])  # the entries, and the monthly rollup
def test_an_officer_naming_no_region_gets_their_regions_origin_or_buyer(client, people, sales, year):
    query = "group_by=origin_county" + year
    assert sums(tally(client, people["admin"], query), "origin_county") == {"500236": 120_00, "530627": 3_00}
    assert sums(tally(client, people["fengjie"], query), "origin_county") == {"500236": 120_00}
    assert sums(tally(client, people["chongqing"], query), "origin_county") == {"500236": 120_00}
    assert sums(tally(client, people["zhaotong"], query), "origin_county") == {
        "500236": 20_00,
        "530627": 3_00,
    }
    assert sums(tally(client, people["zhaoyang"], query), "origin_county") == {"500236": 20_00}
    assert sums(tally(client, people["shandong"], query), "origin_county") == {
        "500236": 100_00,
        "530627": 3_00,
    }
    assert tally(client, people["beijing"], query) == []
    assert tally(client, people["beijing"], year[1:])[0]["amount_fen"] == 0


def test_a_named_region_narrows_within_the_officers_regions(client, people, sales):
    # Sales to Shandong, as Fengjie's officer: Fengjie's to Shandong, not Zhenxiong's.
    assert tally(client, people["fengjie"], "buyer_region=370000")[0]["amount_fen"] == 100_00
    assert tally(client, people["admin"], "buyer_region=370000")[0]["amount_fen"] == 103_00
    # The origin named lies within the officer's region: the whole slice is theirs.
    assert (
        tally(client, people["chongqing"], "origin_region=500236&buyer_region=530000")[0]["amount_fen"]
        == 20_00
    )


def test_officers_see_the_targets_whose_origin_or_buyer_is_theirs(client, people):
    admin = (None, people["admin"])
    chongqing_shandong = make_target(client, admin)["id"]
    fengjie_binzhou = make_target(
        client, admin, name="万吨脐橙进山东", origin_region_code="500236", buyer_region_code="371600"
    )["id"]
    national = make_target(client, admin, name="全国", origin_region_code=None, buyer_region_code=None)["id"]

    def listed(who):
        r = client.get("/api/v1/targets", headers=people[who])
        assert r.status_code == 200, r.json
        return {t["id"] for t in r.json}

    assert listed("admin") == {chongqing_shandong, fengjie_binzhou, national}
    assert listed("chongqing") == {chongqing_shandong, fengjie_binzhou}
    assert listed("shandong") == {chongqing_shandong, fengjie_binzhou}
    assert listed("fengjie") == {fengjie_binzhou}
    assert listed("zhaotong") == set()
    for path in ("", "/progress"):
        assert (
            client.get(f"/api/v1/targets/{fengjie_binzhou}{path}", headers=people["fengjie"]).status_code
            == 200
        )
        for who, target in (
            ("fengjie", chongqing_shandong),
            ("zhaotong", fengjie_binzhou),
            ("beijing", national),
        ):
            r = client.get(f"/api/v1/targets/{target}{path}", headers=people[who])
            assert r.status_code == 404, (who, path, r.json)
        assert client.get(f"/api/v1/targets/{national}{path}", headers=people["admin"]).status_code == 200
