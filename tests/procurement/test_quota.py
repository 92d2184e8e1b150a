from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.ledger import quota as quota_service
from marketplace.timeutil import china_today

YEAR = china_today().year


def file(desk, agency, body, headers=None, expect=200):
    r = desk.client.put(
        f"/api/v1/agencies/{agency.id}/filings/{YEAR}", json=body, headers=headers or desk.admin_h
    )
    assert r.status_code == expect, r.json
    return r.json


def quota(desk, agency, headers=None):
    r = desk.client.get(
        f"/api/v1/agencies/{agency.id}/quota?year={YEAR}", headers=headers or desk.purchaser_h
    )
    assert r.status_code == 200, r.json
    return r.json


def test_quota_counts_paid_certified_lines_at_received_value(desk):
    file(desk, desk.unit, {"food_budget_fen": 10_000_000, "reserved_share_bp": 1500})
    q = quota(desk, desk.unit)
    assert (q["budget_fen"], q["reserved_fen"], q["purchased_fen"], q["status"]) == (
        10_000_000,
        1_500_000,
        0,
        "behind",
    )
    order = desk.draft(
        [
            {"product_id": desk.orange.id, "quantity": 100},
            {"product_id": desk.potato.id, "quantity": 40},
            {"product_id": desk.uncertified.id, "quantity": 10},
        ]
    )
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "approve", desk.approver_h)
    assert quota(desk, desk.unit)["purchased_fen"] == 0  # approved is not paid
    desk.step(order, "confirm", desk.supplier_a_h)
    desk.step(order, "confirm", desk.supplier_b_h)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "ship", headers, {"carrier": "邮政", "tracking_no": "EMS1"})
    desk.step(
        order,
        "receipts",
        desk.purchaser_h,
        {
            "lines": [
                {
                    "line_id": line["id"],
                    "quantity_received": line["quantity"]
                    - (5 if line["product_id"] == desk.orange.id else 0),
                }
                for line in order["lines"]
            ]
        },
    )
    desk.step(
        order, "invoices", desk.supplier_a_h, {"invoice_no": "37002600001", "amount_fen": 95 * 9900 + 80000}
    )
    desk.step(order, "invoices", desk.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200000})
    desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/payments",
        json={"amount_fen": 95 * 9900 + 80000 + 200000, "reference": "BOC-1"},
        headers=desk.admin_h,
    )
    q = quota(desk, desk.unit)
    # 95 oranges received (5 short) and 40 potatoes; the uncertified oranges do not count.
    assert q["purchased_fen"] == 95 * 9900 + 40 * 5000
    assert q["share_bp"] == (95 * 9900 + 40 * 5000) * 10_000 // 10_000_000
    assert q["status"] == "behind"
    file(desk, desk.unit, {"food_budget_fen": 7_000_000, "reserved_share_bp": 1500})
    assert quota(desk, desk.unit)["status"] == "met"  # 1,140,500 >= 1,050,000


# Computed apart from the quota's own query: each certified entry's agency found through the
# purchase order line its source key names.
LEDGER_BY_AGENCY = text(
    """
    SELECT purchase_orders.agency_id, SUM(ledger_entries.amount_fen)
    FROM ledger_entries
    JOIN purchase_order_lines
        ON ledger_entries.source_key = 'po_line:' || purchase_order_lines.id || ':' || 'paid'
    JOIN purchase_orders ON purchase_orders.id = purchase_order_lines.order_id
    WHERE ledger_entries.certificate_no IS NOT NULL
    GROUP BY purchase_orders.agency_id
    """
)


def test_quota_standings_are_the_ledgers_certified_procurement_entries(app, desk):
    file(desk, desk.unit, {"food_budget_fen": 10_000_000, "reserved_share_bp": 1500})
    desk.run_to_paid(desk.draft())
    standings = desk.client.get(f"/api/v1/agencies/standings?year={YEAR}", headers=desk.admin_h).json
    with app.app_context():
        ledger = {agency: int(total) for agency, total in db.session.execute(LEDGER_BY_AGENCY)}
    assert ledger == {desk.unit.id: 100 * 9900 + 40 * 5000}
    assert {u["agency_id"]: u["purchased_fen"] for u in standings if u["purchased_fen"]} == ledger


def test_the_reserved_share_has_a_floor_per_province(app, desk, monkeypatch):
    r = file(desk, desk.unit, {"food_budget_fen": 1_000_000, "reserved_share_bp": 900}, expect=422)
    assert "reserved_share_bp" in r["errors"]["json"]
    monkeypatch.setitem(app.config, "RESERVED_SHARE_MIN_BP", {"default": 1000, "370000": 3000})
    file(desk, desk.unit, {"food_budget_fen": 1_000_000, "reserved_share_bp": 2000}, expect=422)
    file(desk, desk.unit, {"food_budget_fen": 1_000_000, "reserved_share_bp": 3000})


def test_exemptions_and_shared_canteens(desk):
    assert (
        file(desk, desk.unit, {"exemption": "no_canteen", "exemption_note": "无食堂"})["food_budget_fen"] == 0
    )
    assert quota(desk, desk.unit)["status"] == "exempt"
    file(desk, desk.unit, {"exemption": "shared_canteen"}, expect=422)  # whose canteen?
    file(desk, desk.unit, {"exemption": "shared_canteen", "covered_by_agency_id": desk.lead.id})
    assert quota(desk, desk.unit)["status"] == "exempt"


def test_a_lead_unit_rolls_up_its_subordinates_and_sees_who_has_not_filed(desk):
    school = desk.agency("济南市第一中学", "school", desk.lead.id, [1_000_000])
    file(desk, desk.lead, {"food_budget_fen": 2_000_000, "reserved_share_bp": 1000})
    file(desk, desk.unit, {"food_budget_fen": 8_000_000, "reserved_share_bp": 1500})
    q = quota(desk, desk.lead, headers=desk.lead_approver_h)
    assert (q["budget_fen"], q["reserved_fen"]) == (10_000_000, 200_000 + 1_200_000)
    assert q["not_filed"] == [school.id]
    assert {u["agency_id"] for u in q["units"]} == {desk.lead.id, desk.unit.id, school.id}
    # The unit's own view does not include its lead unit.
    assert quota(desk, desk.unit)["budget_fen"] == 8_000_000


def test_a_lead_units_approver_sends_a_filing_back(desk):
    file(desk, desk.unit, {"food_budget_fen": 8_000_000, "reserved_share_bp": 1500}, headers=desk.purchaser_h)
    url = f"/api/v1/agencies/{desk.unit.id}/filings/{YEAR}/return"
    assert (
        desk.client.post(url, json={"reason": "预算与决算不符"}, headers=desk.approver_h).status_code == 403
    )
    filing_url = f"/api/v1/agencies/{desk.unit.id}/filings/{YEAR}"
    assert desk.client.get(filing_url, headers=desk.lead_approver_h).json["food_budget_fen"] == 8_000_000
    assert desk.client.get(filing_url, headers=desk.stranger_h).status_code == 404
    assert (
        desk.client.get(
            f"/api/v1/agencies/{desk.lead.id}/filings/{YEAR}", headers=desk.purchaser_h
        ).status_code
        == 404
    )  # a unit does not see its lead unit
    r = desk.client.post(url, json={"reason": "预算与决算不符"}, headers=desk.lead_approver_h)
    assert r.status_code == 200 and r.json["status"] == "returned"
    assert quota(desk, desk.unit)["status"] == "not_filed"
    assert desk.client.post(url, json={"reason": "again"}, headers=desk.lead_approver_h).status_code == 409


def test_union_gift_funds_have_their_own_quota(desk):
    union = desk.agency("山东省农业农村厅工会", "union", None, [1_000_000])
    desk.member(union, desk.purchaser, "purchaser")
    desk.member(union, desk.approver, "approver")
    file(
        desk,
        union,
        {
            "food_budget_fen": 0,
            "exemption": "no_canteen",
            "gift_budget_fen": 4_000_000,
            "gift_share_bp": 2000,
        },
        expect=422,
    )  # below the unions' 30% floor
    file(desk, union, {"exemption": "no_canteen", "gift_budget_fen": 4_000_000, "gift_share_bp": 3000})
    file(desk, desk.unit, {"food_budget_fen": 1, "reserved_share_bp": 1000, "gift_budget_fen": 5}, expect=422)
    order = desk.draft(
        [{"product_id": desk.orange.id, "quantity": 100}, {"product_id": desk.potato.id, "quantity": 40}],
        agency=union,
    )
    desk.run_to_paid(order)
    q = quota(desk, union)
    assert q["gift"] == {
        "budget_fen": 4_000_000,
        "reserved_fen": 1_200_000,
        "purchased_fen": 1_190_000,
        "status": "behind",
    }
    assert q["purchased_fen"] == 0  # union purchases count toward gifts, not a canteen


def test_officers_see_standings_in_their_region(desk, make_user):
    file(desk, desk.unit, {"food_budget_fen": 8_000_000, "reserved_share_bp": 1500})
    _, jinan_officer = make_user(("region_officer", "370100"))
    _, chongqing_officer = make_user(("region_officer", "500000"))
    behind = desk.client.get(
        f"/api/v1/agencies/standings?year={YEAR}&status=behind", headers=jinan_officer
    ).json
    assert [u["agency_id"] for u in behind] == [desk.unit.id]
    missing = desk.client.get(
        f"/api/v1/agencies/standings?year={YEAR}&status=not_filed", headers=jinan_officer
    )
    assert [u["agency_id"] for u in missing.json] == [desk.lead.id]
    assert desk.client.get(f"/api/v1/agencies/standings?year={YEAR}", headers=chongqing_officer).json == []
    assert desk.client.get("/api/v1/agencies/standings", headers=desk.purchaser_h).status_code == 403


def test_admin_creates_agencies_and_members_with_checks(desk, make_user):
    from tests.factories import valid_uscc

    body = {
        "name": "滨州市人民医院",
        "kind": "hospital",
        "uscc": valid_uscc(division="371600"),
        "region_code": "371602",
        "approval_threshold_fen": 500_000,
        "annual_food_budget_fen": 3_000_000,
        "reserved_share_bp": 1000,
    }
    assert desk.client.post("/api/v1/agencies", json=body, headers=desk.purchaser_h).status_code == 403
    r = desk.client.post(
        "/api/v1/agencies", json={**body, "uscc": "91350100M000100Y44"}, headers=desk.admin_h
    )
    assert r.status_code == 422 and "uscc" in r.json["errors"]["json"]
    r = desk.client.post("/api/v1/agencies", json=body, headers=desk.admin_h)
    assert r.status_code == 201 and r.json["approval_tiers_fen"] == [500_000]
    nurse, nurse_h = make_user(email="canteen@hospital.test")
    agency_id = r.json["id"]
    r = desk.client.post(
        f"/api/v1/agencies/{agency_id}/members",
        json={"email": "canteen@hospital.test", "role": "purchaser"},
        headers=desk.admin_h,
    )
    assert r.status_code == 202
    assert desk.client.post(f"/api/v1/invitations/{r.json['id']}/accept", headers=nurse_h).status_code == 200
    q = desk.client.get(f"/api/v1/agencies/{agency_id}/quota", headers=nurse_h).json
    assert (q["budget_fen"], q["reserved_fen"], q["status"]) == (3_000_000, 300_000, "behind")


@pytest.mark.parametrize("year", [0, 2017, YEAR + 2, 2147483647])
def test_a_filing_year_outside_2018_to_next_year_is_422_naming_it(desk, year):
    r = desk.client.put(
        f"/api/v1/agencies/{desk.unit.id}/filings/{year}",
        json={"food_budget_fen": 1_000_000, "reserved_share_bp": 1500},
        headers=desk.admin_h,
    )
    assert r.status_code == 422, r.json
    assert r.json["errors"]["path"]["year"] == [f"填报年度须在 2018 年至 {YEAR + 1} 年之间。"]


def test_a_filing_below_the_provinces_floor_is_told_in_chinese_and_in_english_on_request(desk):
    url = f"/api/v1/agencies/{desk.unit.id}/filings/{YEAR}"
    body = {"food_budget_fen": 1_000_000, "reserved_share_bp": 1}
    chinese = desk.client.put(url, json=body, headers=desk.admin_h)
    assert chinese.status_code == 422
    [why] = chinese.json["errors"]["json"]["reserved_share_bp"]
    assert why.startswith("本省要求至少 ") and why.endswith("%。") and "基点" not in why
    english = desk.client.put(url, json=body, headers={**desk.admin_h, "Accept-Language": "en"})
    [why] = english.json["errors"]["json"]["reserved_share_bp"]
    assert why.startswith("At least ") and why.endswith("% in this province.")


def test_the_quota_gives_the_gap_the_pace_and_the_months(desk):
    file(desk, desk.unit, {"food_budget_fen": 10_000_000, "reserved_share_bp": 1500})
    desk.run_to_paid(desk.draft())
    q = quota(desk, desk.unit)
    bought = 100 * 9900 + 40 * 5000
    today = china_today()
    assert q["gap_fen"] == 1_500_000 - bought
    assert q["completion_bp"] == bought * 10_000 // 1_500_000
    assert q["as_of"] == today.isoformat()
    elapsed = (today - date(YEAR, 1, 1)).days + 1
    assert q["expected_by_now_fen"] == 1_500_000 * elapsed // (date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days
    assert q["pace"] == ("behind" if bought * 10 < q["expected_by_now_fen"] * 9 else "on_track")
    assert [m["month"] for m in q["by_month"]] == [f"{YEAR}-{m:02d}" for m in range(1, today.month + 1)]
    assert {m["month"]: m["amount_fen"] for m in q["by_month"] if m["amount_fen"]} == {
        today.isoformat()[:7]: bought
    }
    assert q["units"][0]["gap_fen"] == q["gap_fen"] and q["units"][0]["reserved_share_bp"] == 1500


@pytest.mark.parametrize(
    ("bought", "day", "expected"),
    [
        (1_500_000, date(YEAR, 3, 1), "achieved"),
        (100_000, date(YEAR + 1, 1, 1), "missed"),
        (0, date(YEAR, 1, 1), "behind"),  # a day's share is due from the first day
        (1_500_000 // 2, date(YEAR, 7, 2), "on_track"),
        (1_500_000 // 3, date(YEAR, 7, 2), "behind"),
    ],
)
def test_pace_is_linear_over_the_year_and_behind_below_nine_tenths(bought, day, expected):
    due = quota_service.expected_by_now_fen(1_500_000, YEAR, day)
    assert quota_service.pace("behind", 1_500_000, bought, due, YEAR, day) == expected
    assert quota_service.pace("exempt", 0, 0, 0, YEAR, day) is None
    assert quota_service.expected_by_now_fen(1_500_000, YEAR, date(YEAR - 1, 12, 31)) == 0
    assert quota_service.expected_by_now_fen(1_500_000, YEAR, date(YEAR + 2, 1, 1)) == 1_500_000


def _ranked_desk(desk):
    school = desk.agency("济南市第一中学", "school", desk.lead.id, [1_000_000])
    exempt = desk.agency("山东省农业农村厅驻京办", "government", desk.lead.id, [1_000_000])
    file(desk, desk.lead, {"food_budget_fen": 2_000_000, "reserved_share_bp": 1000})
    file(desk, desk.unit, {"food_budget_fen": 8_000_000, "reserved_share_bp": 1500})
    file(desk, exempt, {"exemption": "no_canteen", "exemption_note": "无食堂"})
    desk.run_to_paid(desk.draft())  # the unit: 1,190,000 of 1,200,000; the lead 0 of 200,000
    return school, exempt


def test_a_lead_unit_ranks_its_units_by_gap_or_completion(desk):
    school, exempt = _ranked_desk(desk)
    by_gap = desk.client.get(
        f"/api/v1/agencies/{desk.lead.id}/quota?year={YEAR}&rank=gap", headers=desk.lead_approver_h
    ).json
    assert [(u["rank"], u["agency_id"]) for u in by_gap["units"]] == [
        (1, desk.lead.id),  # 200,000 short
        (2, desk.unit.id),  # 10,000 short
        (3, school.id),  # not filed
        (4, exempt.id),
    ]
    assert [u["gap_fen"] for u in by_gap["units"][:2]] == [200_000, 10_000]
    by_completion = desk.client.get(
        f"/api/v1/agencies/{desk.lead.id}/quota?year={YEAR}&rank=completion", headers=desk.lead_approver_h
    ).json
    assert [u["completion_bp"] for u in by_completion["units"]] == [0, 9916, None, None]
    r = desk.client.get(f"/api/v1/agencies/{desk.lead.id}/quota?rank=best", headers=desk.lead_approver_h)
    assert r.status_code == 422 and "rank" in r.json["errors"]["query"]


def test_the_standing_exports_to_xlsx_in_wan_yuan_with_a_total(desk):
    school, exempt = _ranked_desk(desk)
    r = desk.client.get(
        f"/api/v1/agencies/{desk.lead.id}/quota/export.xlsx?year={YEAR}&rank=gap",
        headers={**desk.lead_approver_h, "Accept-Language": "zh-CN"},
    )
    assert r.status_code == 200, r.json
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(r.data)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]  # numbers as Excel keeps them
    assert rows[0][:3] == ["排名", "单位", "食堂食材预算（万元）"]
    assert rows[1][:2] == [1, "山东省农业农村厅"]
    assert rows[2][:8] == [
        2,
        "山东省农业农村厅机关服务中心",
        8.00,
        0.15,
        1.20,
        1.19,
        0.01,
        0.9916,
    ]
    assert rows[3][1] == "济南市第一中学" and rows[3][-1] == "未填报"
    assert rows[4][-1] == "免于填报：无食堂"
    total = rows[5]
    assert total[0] == "合计" and total[2:8] == [
        10.00,
        None,
        1.40,
        1.19,
        0.21,
        0.85,
    ]
    assert sheet.cell(6, 3).number_format == "#,##0.00" and sheet.cell(3, 8).number_format == "0.00%"
    # Refused as the quota is: a unit's own purchaser does not see its lead unit's standing.
    url = f"/api/v1/agencies/{desk.lead.id}/quota/export.xlsx"
    assert desk.client.get(url, headers=desk.purchaser_h).status_code == 404
    assert desk.client.get(url + "?rank=best", headers=desk.lead_approver_h).status_code == 422


def test_an_agency_names_its_lead_unit(desk):
    unit = desk.client.get(f"/api/v1/agencies/{desk.unit.id}", headers=desk.purchaser_h).json
    assert (unit["parent_id"], unit["parent_name"]) == (desk.lead.id, "山东省农业农村厅")
    lead = desk.client.get(f"/api/v1/agencies/{desk.lead.id}", headers=desk.lead_approver_h).json
    assert lead["parent_name"] is None
