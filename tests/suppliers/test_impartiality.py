"""Nobody decides on a supplier they belong to (回避): an officer who registered a supplier, or was
added to it, neither verifies it nor reviews, rejects or revokes its products' certifications."""

from datetime import timedelta

from marketplace.certification import services as certification
from marketplace.timeutil import china_today
from tests.certification.test_workflow import COMMITMENT, review
from tests.suppliers.test_api import registration


def test_an_officer_cannot_verify_the_supplier_they_registered(client, make_user):
    officer, as_officer = make_user(("region_officer", "500236"))
    _, colleague = make_user(("region_officer", "500236"))
    r = client.post("/api/v1/suppliers", json=registration(), headers=as_officer)
    assert r.status_code == 201, r.json
    verify = f"/api/v1/suppliers/{r.json['id']}/verify"
    refused = client.post(verify, json={"decision": "approve"}, headers=as_officer)
    assert refused.status_code == 403 and "成员" in refused.json["message"], refused.json
    # Nor reject it, nor suspend it later: every decision on it is another officer's.
    assert (
        client.post(
            verify, json={"decision": "reject", "comment": "材料不全"}, headers=as_officer
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/suppliers/{r.json['id']}", headers=as_officer).json["status"] == "pending"
    assert client.post(verify, json={"decision": "approve"}, headers=colleague).status_code == 200
    suspend = f"/api/v1/suppliers/{r.json['id']}/suspend"
    assert client.post(suspend, json={"reason": "抽检不合格"}, headers=as_officer).status_code == 403


def test_an_officer_cannot_review_the_certification_of_their_suppliers_product(client, make_user):
    _, as_officer = make_user(("region_officer", "500236"))
    _, colleague = make_user(("region_officer", "500236"))
    _, municipality = make_user(("region_officer", "500000"))
    _, admin = make_user(("admin", None))
    supplier = client.post("/api/v1/suppliers", json=registration(), headers=as_officer).json
    assert (
        client.post(
            f"/api/v1/suppliers/{supplier['id']}/verify", json={"decision": "approve"}, headers=admin
        ).status_code
        == 200
    )
    product = client.post(
        "/api/v1/products",
        json={
            "supplier_id": supplier["id"],
            "name": "奉节脐橙 5kg",
            "category": "fruit.citrus",
            "unit": "箱",
            "price_fen": 6990,
            "stock": 10,
        },
        headers=as_officer,
    ).json
    cert = client.post(
        f"/api/v1/products/{product['id']}/certification", json=COMMITMENT, headers=as_officer
    ).json
    for decision, comment in (("approve", None), ("reject", "材料不全")):
        r = review(client, cert["id"], as_officer, decision, comment)
        assert r.status_code == 403 and "成员" in r.json["message"], r.json
    assert review(client, cert["id"], colleague).status_code == 200
    assert review(client, cert["id"], municipality).status_code == 200
    # In its public notice and once certified, the member may neither object nor revoke.
    assert review(client, cert["id"], as_officer, "reject", "有异议").status_code == 403
    certification.advance_certifications(china_today() + timedelta(days=7))
    revoke = client.post(
        f"/api/v1/certifications/{cert['id']}/revoke", json={"reason": "抽检不合格"}, headers=as_officer
    )
    assert revoke.status_code == 403, revoke.json
    assert client.get(f"/api/v1/certifications/{cert['id']}").json["status"] == "certified"


def test_an_officer_added_to_a_supplier_later_cannot_review_it(client, make_user):
    _, founder = make_user()
    officer, as_officer = make_user(("region_officer", "500236"))
    supplier = client.post("/api/v1/suppliers", json=registration(), headers=founder).json
    added = client.post(
        f"/api/v1/suppliers/{supplier['id']}/members", json={"email": officer.email}, headers=founder
    )
    assert added.status_code == 202, added.json
    accepted = client.post(f"/api/v1/invitations/{added.json['id']}/accept", headers=as_officer)
    assert accepted.status_code == 200, accepted.json
    r = client.post(
        f"/api/v1/suppliers/{supplier['id']}/verify", json={"decision": "approve"}, headers=as_officer
    )
    assert r.status_code == 403, r.json
