"""Officers see the alerts of their regions: a target behind for whoever sees the target (its
origin or its buyer side), and no unreconciled payments, which are the admins'."""

from datetime import date

from marketplace.alerts import services as alerts
from marketplace.extensions import db
from marketplace.ledger.models import Target
from tests.factories import ProductFactory, SupplierFactory
from tests.ledger.test_targets import sell

URL = "/api/v1/alerts"


def test_a_target_behind_is_seen_by_the_officers_of_either_side(client, make_user):
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
    sell(ProductFactory(supplier=SupplierFactory(region_code="500236")), date(2026, 2, 1), 5_000_000_00)
    alerts.raise_daily(date(2026, 7, 1))

    def behind(*grant):
        r = client.get(f"{URL}?kind=target_behind", headers=make_user(grant)[1])
        assert r.status_code == 200, r.json
        return [a["subject_id"] for a in r.json]

    assert behind("region_officer", "500000") == [target.id]
    assert behind("region_officer", "370000") == [target.id]  # the buyer side
    assert behind("region_officer", "370100") == []  # Jinan: the target is Shandong's, not Jinan's
    assert behind("region_officer", "530600") == []
    assert behind("admin", None) == [target.id]


def test_officers_asking_for_unreconciled_payments_are_refused(client, make_user):
    _, officer = make_user(("region_officer", "500000"))
    r = client.get(f"{URL}?kind=payment_unreconciled", headers=officer)
    assert r.status_code == 403 and r.json["message"] == "未对账款项仅限管理员查看。"
    r = client.get(f"{URL}?kind=payment_unreconciled", headers={**officer, "Accept-Language": "en"})
    assert r.json["message"] == "Unreconciled payments are for admins."
    assert r.json["error_code"] == "forbidden"
    _, admin = make_user(("admin", None))
    assert client.get(f"{URL}?kind=payment_unreconciled", headers=admin).status_code == 200
