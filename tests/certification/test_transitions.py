"""Every certification action from every status: allowed, or 409 with nothing changed."""

from datetime import timedelta

import pytest

from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.timeutil import china_today
from tests.factories import ProductFactory, SupplierFactory

COMMITMENT = {"quality": True, "price": True, "truthfulness": True, "signed_by": "刘强"}
ACTIONS = {
    "approve": ("review", {"decision": "approve"}),
    "reject": ("review", {"decision": "reject", "comment": "材料不全"}),
    "revoke": ("revoke", {"reason": "抽检不合格"}),
    "renew": ("renew", {"commitment": COMMITMENT}),
}
# status -> the actions allowed from it (all others are 409)
ALLOWED = {
    "applied": {"approve", "reject"},
    "in_notice": {"reject", "revoke"},
    "certified": {"revoke", "renew"},
    "rejected": set(),
    "revoked": set(),
    "expired": {"renew"},
}


@pytest.mark.parametrize("status", ALLOWED)
@pytest.mark.parametrize("action", ACTIONS)
def test_certification_transition(client, make_user, status, action):
    member, member_headers = make_user()
    _, admin = make_user(("admin", None))
    product = ProductFactory(supplier=SupplierFactory(members=[member]))
    today = china_today()
    cert = Certification(
        product_id=product.id,
        supplier_id=product.supplier_id,
        origin_region_code="500236",
        status=status,
        stages=["county", "province"],
        notice_days=7,
        commitment=COMMITMENT,
        stage_index=1 if status != "applied" else 0,
        valid_from=today - timedelta(days=10),
        valid_until=today + timedelta(days=700),
        certificate_no=None if status in ("applied", "rejected") else f"BF-500236-2026-9{status[:3]}",
    )
    db.session.add(cert)
    db.session.commit()
    path, body = ACTIONS[action]
    headers = member_headers if action == "renew" else admin
    r = client.post(f"/api/v1/certifications/{cert.id}/{path}", json=body, headers=headers)
    if action in ALLOWED[status]:
        assert r.status_code in (200, 201), r.json
    else:
        assert r.status_code == 409, r.json
        assert db.session.get(Certification, cert.id).status == status
