"""The registrations waiting for an officer's verification (`GET /suppliers?awaiting=me`): pending,
in the officer's regions, not of a supplier the officer belongs to."""

from tests.factories import SupplierFactory
from tests.suppliers.test_api import registration

QUEUE = "/api/v1/suppliers?awaiting=me"


def queue(client, headers) -> list[int]:
    r = client.get(QUEUE, headers=headers)
    assert r.status_code == 200, r.json
    return [s["id"] for s in r.json]


def register(client, headers, **overrides) -> int:
    r = client.post("/api/v1/suppliers", json=registration(**overrides), headers=headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_the_countys_and_the_municipalitys_officers_see_a_pending_registration(client, make_user):
    _, member = make_user()
    _, county = make_user(("region_officer", "500236"))
    _, municipality = make_user(("region_officer", "500000"))
    _, other_county = make_user(("region_officer", "500238"))
    supplier_id = register(client, member)
    SupplierFactory(region_code="500236")  # verified already: nothing to do
    assert queue(client, county) == [supplier_id]
    assert queue(client, municipality) == [supplier_id]
    assert queue(client, other_county) == []
    verify = f"/api/v1/suppliers/{supplier_id}/verify"
    assert client.post(verify, json={"decision": "approve"}, headers=county).status_code == 200
    assert queue(client, county) == queue(client, municipality) == []


def test_an_officer_does_not_see_the_registration_they_made(client, make_user):
    _, registrant = make_user(("region_officer", "500236"))
    _, colleague = make_user(("region_officer", "500236"))
    supplier_id = register(client, registrant)
    assert queue(client, registrant) == []
    assert queue(client, colleague) == [supplier_id]


def test_an_admin_sees_every_pending_registration_oldest_first(client, make_user):
    _, member = make_user()
    _, admin = make_user(("admin", None))
    first = register(client, member)
    second = register(client, member, name="镇雄县天麻专业合作社", region_code="530627")
    assert queue(client, admin) == [first, second]


def test_signed_out_there_is_no_queue_and_a_buyer_has_an_empty_one(client, make_user):
    _, member = make_user()
    _, buyer = make_user()
    register(client, member)
    assert client.get(QUEUE).status_code == 401
    assert queue(client, buyer) == []
    r = client.get("/api/v1/suppliers?awaiting=them", headers=buyer)
    assert r.status_code == 422 and "awaiting" in r.json["errors"]["query"], r.json


def test_rows_carry_the_region_name_and_history_the_reviewers_name(client, make_user):
    _, member = make_user()
    officer, county = make_user(("region_officer", "500236"))
    supplier_id = register(client, member)
    [row] = client.get(QUEUE, headers=county).json
    assert row["region_name"] == "奉节县"
    body = {"decision": "reject", "comment": "营业执照照片不清晰"}
    verify = client.post(f"/api/v1/suppliers/{supplier_id}/verify", json=body, headers=county)
    assert verify.status_code == 200
    history = client.get(f"/api/v1/suppliers/{supplier_id}/history", headers=member).json
    assert [(e["action"], e["actor_name"]) for e in history][-1] == ("reject", officer.display_name)
