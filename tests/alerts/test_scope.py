"""Officers see the alerts of their regions: a target behind for whoever sees the target (its
origin or its buyer side), and no unreconciled payments, which are the admins'."""

URL = "/api/v1/alerts"


def test_a_target_behind_is_seen_by_the_officers_of_either_side(client, make_user, target_behind):
    target = target_behind(sold_fen=5_000_000_00).target

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
