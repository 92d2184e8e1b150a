from marketplace.catalog.models import Product
from marketplace.certification.models import Certification
from marketplace.extensions import db
from marketplace.suppliers.models import Supplier
from marketplace.timeutil import china_today


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_demo_seed_is_realistic_and_idempotent(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "fengjie.officer@demo.test" in first.output and "demo-officer-pass" in first.output
    suppliers, products = count(Supplier), count(Product)
    assert suppliers >= 40 and products >= 400
    certified = count(Product, Product.certified_until > china_today())
    assert certified > products * 0.6
    assert count(Certification, Certification.status == "expired") > 0
    assert count(Certification, Certification.status == "applied") > 0
    assert count(Supplier, Supplier.name == "奉节县脐橙专业合作社") == 1

    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and "本次新增商品：0 件" in second.output
    assert (count(Supplier), count(Product)) == (suppliers, products)

    hits = client.get("/api/v1/products?q=脐橙&certified=true").json
    assert hits and all("脐橙" in p["name"] for p in hits)
    token = client.post(
        "/api/v1/auth/token", json={"email": "supplier@demo.test", "password": "demo-supplier-pass"}
    )
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['access_token']}"}).json
    assert "supplier_member" in me["roles"]
    assert me["user"]["email_verified"] is True

    from marketplace.agencies.models import Agency
    from marketplace.procurement.models import PurchaseOrder

    assert count(Agency) == 14
    assert {s for (s,) in db.session.execute(db.select(PurchaseOrder.status))} >= {
        "draft",
        "submitted",
        "paid",
    }
    token = client.post(
        "/api/v1/auth/token", json={"email": "purchaser@demo.test", "password": "demo-agency-pass"}
    )
    headers = {"Authorization": f"Bearer {token.json['access_token']}"}
    me = client.get("/api/v1/me", headers=headers).json
    assert "agency_purchaser" in me["roles"]
    agency_id = next(m["agency_id"] for m in me["memberships"] if m["kind"] == "agency")
    quota = client.get(f"/api/v1/agencies/{agency_id}/quota", headers=headers).json
    assert quota["purchased_fen"] > 0 and quota["reserved_fen"] == 1_200_000_00

    token = client.post(
        "/api/v1/auth/token", json={"email": "admin@demo.test", "password": "demo-admin-pass"}
    )
    admin = {"Authorization": f"Bearer {token.json['access_token']}"}
    seeded = client.get("/api/v1/targets?page_size=100", headers=admin).json
    this_year = next(
        t for t in seeded if t["period_start"] == f"{china_today().year}-01-01" and t["measure"] == "amount"
    )
    progress = client.get(f"/api/v1/targets/{this_year['id']}/progress", headers=admin).json
    assert progress["target_fen"] == 30_000_000_00 and progress["achieved_fen"] > 0  # the paid purchase order
    # Under 帮扶产品认定 (2020 on) the targets count certified sales only, as official tallies do.
    assert {(t["period_start"][:4], t["certified_only"]) for t in seeded} == {
        ("2018", False),
        ("2019", False),
        ("2020", True),
        ("2021", True),
        (str(china_today().year), True),
    }
    assert progress["certified_only"] is True

    # The seeds' provinces have their certification rules, loaded once, and the demo applications
    # follow them: Chongqing's without a city stage.
    rules = client.get("/api/v1/certification-rules", headers=admin).json
    assert sorted((r["province_code"], tuple(r["stages"])) for r in rules) == [
        ("500000", ("county", "province")),
        ("510000", ("county", "city")),
        ("530000", ("county", "city")),
    ]
    chongqing = next(r["id"] for r in rules if r["province_code"] == "500000")
    assert count(Certification, Certification.rule_id.is_(None)) == 0
    assert count(Certification, Certification.rule_id == chongqing) == count(
        Certification, Certification.origin_region_code.like("50%")
    )


def test_demo_seed_is_refused_under_the_production_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert "生产配置下不加载演示数据" in result.output
    assert count(Supplier) == 0


def test_demo_seed_leaves_the_alerts_the_daily_tasks_raise_once(app, client):
    """An officer's first look at 预警 finds something to act on: the same raising functions as the
    06:30 task, run at the end of the seed, and run again by a second seed without doubling."""
    from marketplace.alerts.models import Alert

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    open_alerts = count(Alert, Alert.resolved_at.is_(None))
    token = client.post(
        "/api/v1/auth/token", json={"email": "chongqing.officer@demo.test", "password": "demo-officer-pass"}
    )
    officer = {"Authorization": f"Bearer {token.json['access_token']}"}
    behind = client.get("/api/v1/alerts?kind=target_behind", headers=officer).json
    assert any("重庆农产品销往山东" in a["message"] for a in behind)
    unsold = client.get("/api/v1/alerts?kind=unsold_stock", headers=officer).json
    assert unsold and all(a["region_code"].startswith("50") for a in unsold)
    assert any(a["details"]["suggested_agencies"] for a in unsold)
    token = client.post(
        "/api/v1/auth/token", json={"email": "admin@demo.test", "password": "demo-admin-pass"}
    )
    admin = {"Authorization": f"Bearer {token.json['access_token']}"}
    [owed] = client.get("/api/v1/alerts?kind=payment_unreconciled", headers=admin).json
    assert owed["region_code"] is None and owed["subject_type"] == "purchase_orders"

    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert count(Alert) == count(Alert, Alert.resolved_at.is_(None)) == open_alerts


def test_demo_seed_leaves_the_county_officer_something_to_review(app, client):
    """奉节县's officer finds 夔门柑橘's two applications at the county stage and 白帝镇果蔬's
    registration on the 待办审核 page, once however often the seed runs."""
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    token = client.post(
        "/api/v1/auth/token", json={"email": "fengjie.officer@demo.test", "password": "demo-officer-pass"}
    )
    officer = {"Authorization": f"Bearer {token.json['access_token']}"}
    applications = client.get("/api/v1/certifications?awaiting=me&page_size=100", headers=officer).json
    kuimen = [c for c in applications if c["supplier_name"] == "奉节县夔门柑橘专业合作社"]
    assert [(c["current_stage"], c["origin_name"]) for c in kuimen] == [("county", "奉节县")] * 2
    history = client.get(f"/api/v1/certifications/{kuimen[0]['id']}/history", headers=officer).json
    assert [(e["action"], e["actor_name"]) for e in history] == [("apply", "向红梅")]
    registrations = client.get("/api/v1/suppliers?awaiting=me&page_size=100", headers=officer).json
    baidi = [s["region_name"] for s in registrations if s["name"] == "奉节县白帝镇果蔬专业合作社"]
    assert baidi == ["奉节县"]
