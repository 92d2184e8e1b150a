import json
import shutil

import pytest

from marketplace.extensions import db
from marketplace.regions.models import Pairing, Region
from marketplace.regions.services import is_assisted, load_region_seed
from tests.conftest import SEED_DIR

CHONGQING_KEY_COUNTIES = {
    "500101",
    "500114",
    "500154",
    "500156",
    "500229",
    "500230",
    "500235",
    "500236",
    "500237",
    "500238",
    "500240",
    "500241",
    "500242",
    "500243",
}


def get_all(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.json
    return r.json


def test_fengjie_is_a_national_key_county_under_chongqing(client):
    fengjie = get_all(client, "/api/v1/regions/500236")
    assert fengjie == {
        "code": "500236",
        "name": "奉节县",
        "level": "county",
        "parent_code": "500000",
        "national_key_county": True,
        "deep_poverty": False,
        "exited_year": None,
    }
    assert get_all(client, "/api/v1/regions/500000")["name"] == "重庆市"


def test_chongqing_lists_its_38_districts_and_counties_with_14_key_counties(client):
    children = get_all(client, "/api/v1/regions?parent=500000")
    assert len(children) == 38 and {c["level"] for c in children} == {"county"}
    assert {c["code"] for c in children if c["national_key_county"]} == CHONGQING_KEY_COUNTIES
    assert {c["name"] for c in children if c["deep_poverty"]} == {
        "城口县",
        "巫溪县",
        "酉阳土家族苗族自治县",
        "彭水苗族土家族自治县",
    }


@pytest.mark.parametrize(
    ("parent", "count", "member"),
    [
        ("370000", 16, "滨州市"),  # Shandong's 16 cities
        ("371600", 7, "邹平市"),  # Binzhou's counties
        ("510800", 7, "剑阁县"),  # Guangyuan
        ("511900", 5, "平昌县"),  # Bazhong
        ("331100", 9, "莲都区"),  # Lishui
        ("530600", 11, "镇雄县"),  # Zhaotong
    ],
)
def test_paired_cities_have_their_counties(client, parent, count, member):
    children = get_all(client, f"/api/v1/regions?parent={parent}")
    assert len(children) == count
    assert member in {c["name"] for c in children}


def test_dongguan_towns_named_by_the_plan_are_there(client):
    towns = {t["name"] for t in get_all(client, "/api/v1/regions?parent=441900")}
    assert {"清溪镇", "黄江镇", "石碣镇", "大岭山镇", "莞城街道", "樟木头镇", "高埗镇", "望牛墩镇"} <= towns
    assert get_all(client, "/api/v1/regions/441900115")["level"] == "town"


def test_level_filter_and_pagination_header(client):
    r = client.get("/api/v1/regions?level=province&page_size=10&page=4")
    assert r.status_code == 200 and len(r.json) == 1
    assert json.loads(r.headers["X-Pagination"])["total"] == 31


def test_name_search_finds_a_county(client):
    assert [r["code"] for r in get_all(client, "/api/v1/regions?q=奉节")] == ["500236"]


def test_unknown_region_is_404_and_bad_parent_is_422(client):
    r = client.get("/api/v1/regions/999999")
    assert r.status_code == 404 and r.json["code"] == 404
    r = client.get("/api/v1/regions?parent=50")
    assert r.status_code == 422 and "parent" in r.json["errors"]["query"]
    r = client.get("/api/v1/regions?parent=999999")
    assert r.status_code == 422 and "parent" in r.json["errors"]["json"] or "parent" in str(r.json["errors"])


def test_binzhou_helps_fengjie_and_shandong_helps_all_chongqing(client):
    pairs = get_all(client, "/api/v1/pairings?assisted=500236")
    helpers = {(p["helper_region_code"], p["helper_name"], p["level"]) for p in pairs}
    assert helpers == {("371600", "滨州市", "city"), ("370000", "山东省", "province")}
    only_wuxi = get_all(client, "/api/v1/pairings?assisted=500238")
    assert [p["helper_name"] for p in only_wuxi] == ["山东省"]


def test_lishui_and_dongguan_pairings(client):
    pairs = get_all(client, "/api/v1/pairings")
    assert len(pairs) == 30
    lishui = [p for p in pairs if p["helper_region_code"].startswith("3311")]
    assert {(p["helper_name"], p["assisted_name"]) for p in lishui} == {
        ("莲都区", "剑阁县"),
        ("龙泉市", "昭化区"),
        ("青田县", "平昌县"),
        ("缙云县", "南江县"),
        ("遂昌县", "通江县"),
        ("松阳县", "巴州区"),
    }
    dongguan = [p for p in pairs if p["helper_region_code"].startswith("441900")]
    assert sum(p["role"] == "lead" for p in dongguan) == 6
    assert sum(p["role"] == "assisting" for p in dongguan) == 16
    shilong = get_all(client, "/api/v1/pairings?helper=441900102")
    assert [(p["assisted_name"], p["role"], p["level"]) for p in shilong] == [("昭阳区", "assisting", "town")]


def test_assisted_means_under_the_assisted_side_of_a_pairing(app):
    assert is_assisted("500236") and is_assisted("500101")  # all of Chongqing, through Shandong
    assert is_assisted("530627")  # 镇雄县
    assert not is_assisted("370000") and not is_assisted("441900115")  # helpers are not assisted


def test_reloading_the_seed_changes_nothing(app):
    before = (db.session.query(Region).count(), db.session.query(Pairing).count())
    load_region_seed(SEED_DIR / "regions")
    assert (db.session.query(Region).count(), db.session.query(Pairing).count()) == before == (3375, 30)


def test_a_pairing_row_whose_name_disagrees_with_the_code_is_refused(app, tmp_path):
    shutil.copytree(SEED_DIR / "regions", tmp_path / "regions")
    path = tmp_path / "regions" / "pairings.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("500236,奉节县", "500238,奉节县"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="500238 奉节县"):
        load_region_seed(tmp_path / "regions")
