"""Marking an alert handled (处理完毕): officers of its region or above and admins, an alert with no
region the admins' alone; audited; it leaves the open list for the resolved one, and the daily task
does not open it again, as it does one it resolved itself."""

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.alerts import services as alerts
from marketplace.alerts.models import Alert
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.factories import ProductFactory, SupplierFactory

URL = "/api/v1/alerts"


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(("admin", None)),
        "chongqing": make_user(("region_officer", "500000")),
        "fengjie": make_user(("region_officer", "500236")),
        "wushan": make_user(("region_officer", "500237")),
        "shandong": make_user(("region_officer", "370000")),
        "buyer": make_user(),
    }


def unsold_in_fengjie() -> Alert:
    """A product of Fengjie quiet for 90 days: an unsold-stock alert of 500236."""
    product = ProductFactory(
        supplier=SupplierFactory(region_code="500236"),
        stock=500,
        created_at=datetime.now(UTC) - timedelta(days=90),
    )
    alerts.raise_daily()
    return db.session.scalars(
        db.select(Alert).where(Alert.kind == "unsold_stock", Alert.subject_id == product.id)
    ).one()


def resolve(client, alert_id, headers, **extra):
    return client.post(f"{URL}/{alert_id}/resolve", headers={**headers, **extra})


def listed(client, headers, query=""):
    r = client.get(f"{URL}?page_size=100{query}", headers=headers)
    assert r.status_code == 200, r.json
    return [a["id"] for a in r.json]


def test_an_officer_above_the_region_resolves_it_and_it_moves_to_the_resolved_list(client, people):
    alert = unsold_in_fengjie()
    user, officer = people["chongqing"]
    assert alert.id in listed(client, officer)
    r = resolve(client, alert.id, officer)
    assert r.status_code == 200, r.json
    assert r.json["resolved_at"] is not None and r.json["resolved_by_name"] == user.display_name
    assert alert.id not in listed(client, officer)
    assert alert.id not in listed(client, people["admin"][1])
    assert listed(client, officer, "&resolved=true") == [alert.id]
    assert listed(client, people["fengjie"][1], "&resolved=true&kind=unsold_stock") == [alert.id]
    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.subject_type == "alerts", AuditEvent.subject_id == alert.id)
    )
    assert (event.action, event.actor_id, event.from_status, event.to_status) == (
        "resolve",
        user.id,
        "open",
        "resolved",
    )


def test_the_officer_of_the_county_resolves_its_alert(client, people):
    alert = unsold_in_fengjie()
    assert resolve(client, alert.id, people["fengjie"][1]).status_code == 200


def test_an_alert_of_another_region_is_not_found(client, people):
    alert = unsold_in_fengjie()
    r = resolve(client, alert.id, people["wushan"][1])  # Wushan: the county next door
    assert r.status_code == 404 and r.json["message"] == f"没有编号为 {alert.id} 的预警。"
    assert resolve(client, 999_999, people["admin"][1]).status_code == 404
    assert alert.id in listed(client, people["fengjie"][1])  # still open


def test_a_buyer_may_not_resolve_alerts(client, people):
    alert = unsold_in_fengjie()
    assert resolve(client, alert.id, people["buyer"][1]).status_code == 403


def test_an_alert_without_a_region_is_the_admins_alone(client, people):
    product = ProductFactory(supplier=SupplierFactory(region_code="500236"))
    owed = {"what": "purchase_order", "id": 1, "invoiced_on": "2026-10-01", "owed_fen": 9900}
    alerts.raise_alert("payment_unreconciled", product, None, owed, date(2026, 10, 1))
    db.session.commit()
    alert_id = db.session.scalar(db.select(Alert.id).where(Alert.kind == "payment_unreconciled"))
    assert resolve(client, alert_id, people["chongqing"][1]).status_code == 404
    assert resolve(client, alert_id, people["admin"][1]).status_code == 200


def test_a_target_seen_from_the_buyer_side_is_resolved_by_its_origin_not_its_buyer(
    client, people, target_behind
):
    target_behind()  # nothing sold by July: behind
    [alert] = db.session.scalars(db.select(Alert).where(Alert.kind == "target_behind"))
    shandong = people["shandong"][1]
    assert alert.id in listed(client, shandong)  # Shandong's officers see it, as the buyer side
    r = resolve(client, alert.id, shandong)
    assert r.status_code == 403 and "重庆市" in r.json["message"]
    r = resolve(client, alert.id, shandong, **{"Accept-Language": "en"})
    assert r.json["message"] == (
        "Only officers of 重庆市 or a region above it, and admins, may resolve this alert."
    )
    assert resolve(client, alert.id, people["chongqing"][1]).status_code == 200


def test_resolving_twice_is_a_conflict(client, people):
    alert = unsold_in_fengjie()
    officer = people["fengjie"][1]
    assert resolve(client, alert.id, officer).status_code == 200
    r = resolve(client, alert.id, people["admin"][1])
    assert r.status_code == 409 and r.json["message"] == "该预警已处理。"
    assert resolve(client, alert.id, officer, **{"Accept-Language": "en"}).json["message"] == (
        "This alert has been resolved already."
    )


def test_the_daily_task_does_not_open_again_an_alert_resolved_by_hand(client, people):
    alert = unsold_in_fengjie()
    assert resolve(client, alert.id, people["fengjie"][1]).status_code == 200
    assert alerts.raise_daily()["unsold_stock"]["raised"] == 0  # still quiet, the same episode
    db.session.refresh(alert)
    assert alert.resolved_at is not None
    assert alert.id not in listed(client, people["fengjie"][1])


def test_the_daily_task_opens_again_an_alert_it_resolved_itself(client, people):
    alert = unsold_in_fengjie()
    alert.resolved_at = datetime.now(UTC)  # as when its cause went, by no one
    db.session.commit()
    assert alerts.raise_daily()["unsold_stock"]["raised"] == 1
    assert alert.id in listed(client, people["fengjie"][1])


def test_the_resolved_list_refuses_a_value_that_is_not_a_yes_or_no(client, people):
    r = client.get(f"{URL}?resolved=perhaps", headers=people["admin"][1])
    assert r.status_code == 422 and "resolved" in r.json["errors"]["query"]
