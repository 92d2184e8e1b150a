"""The buyer's address book: one default, at most 20, each address its owner's alone."""

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Address
from marketplace.extensions import db

HOME = {"region_code": "370102", "detail": "泉城路 1 号", "recipient": "张伟", "phone": "13900001111"}
WORK = {"region_code": "370103", "detail": "经四路 8 号", "recipient": "李娜", "phone": "0531-8888 6666"}


@pytest.fixture
def buyer(make_user):
    return make_user()[1]


def add(client, headers, **fields):
    return client.post("/api/v1/me/addresses", json={**HOME, **fields}, headers=headers)


def listed(client, headers):
    r = client.get("/api/v1/me/addresses", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_first_address_is_the_default_and_names_its_region_path(client, buyer):
    r = add(client, buyer)
    assert r.status_code == 201, r.json
    assert r.json["is_default"] is True
    assert r.json["region_names"] == ["山东省", "济南市", "历下区"]
    assert [a["recipient"] for a in listed(client, buyer)] == ["张伟"]


def test_a_new_default_unsets_the_old_one(client, buyer):
    home = add(client, buyer).json
    work = add(client, buyer, **WORK, is_default=True).json
    addresses = listed(client, buyer)
    assert [(a["id"], a["is_default"]) for a in addresses] == [(work["id"], True), (home["id"], False)]
    r = client.patch(f"/api/v1/me/addresses/{home['id']}", json={"is_default": True}, headers=buyer)
    assert r.status_code == 200, r.json
    assert [a["id"] for a in listed(client, buyer) if a["is_default"]] == [home["id"]]


def test_deleting_the_default_promotes_the_most_recent(client, buyer):
    home = add(client, buyer).json
    older = add(client, buyer, **WORK).json
    newest = add(client, buyer, detail="历山路 3 号").json
    assert client.delete(f"/api/v1/me/addresses/{home['id']}", headers=buyer).status_code == 204
    defaults = [a["id"] for a in listed(client, buyer) if a["is_default"]]
    assert defaults == [newest["id"]]
    assert older["id"] != newest["id"]


def test_the_default_cannot_be_unset_directly(client, buyer):
    home = add(client, buyer).json
    r = client.patch(f"/api/v1/me/addresses/{home['id']}", json={"is_default": False}, headers=buyer)
    assert r.status_code == 422
    assert "is_default" in r.json["errors"]["json"]


def test_edit_changes_the_fields_sent(client, buyer):
    home = add(client, buyer).json
    r = client.patch(
        f"/api/v1/me/addresses/{home['id']}",
        json={"region_code": "370103", "phone": "13800002222"},
        headers=buyer,
    )
    assert r.status_code == 200, r.json
    assert (r.json["region_names"][-1], r.json["phone"], r.json["recipient"]) == (
        "市中区",
        "13800002222",
        "张伟",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"region_code": "370100"}, "region_code"),
        ({"region_code": "999999"}, "region_code"),
        ({"phone": "call me"}, "phone"),
        ({"recipient": ""}, "recipient"),
    ],
)
def test_bad_fields_are_named(client, buyer, fields, field):
    r = add(client, buyer, **fields)
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]


def test_at_most_twenty_addresses(client, buyer):
    for n in range(20):
        assert add(client, buyer, detail=f"泉城路 {n + 1} 号").status_code == 201
    r = add(client, buyer, detail="泉城路 21 号")
    assert r.status_code == 422
    assert "addresses" in r.json["errors"]["json"]


def test_another_users_address_is_not_found(client, buyer, make_user):
    home = add(client, buyer).json
    _, other = make_user()
    assert (
        client.patch(
            f"/api/v1/me/addresses/{home['id']}", json={"detail": "别处 2 号"}, headers=other
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/me/addresses/{home['id']}", headers=other).status_code == 404
    assert listed(client, other) == []
    assert listed(client, buyer)[0]["detail"] == HOME["detail"]


def test_the_database_holds_one_default_per_user(client, buyer):
    add(client, buyer)
    add(client, buyer, **WORK)
    with pytest.raises(IntegrityError, match="uq_addresses_user_default"):
        db.session.execute(db.update(Address).values(is_default=True))
    db.session.rollback()
