import pytest

from marketplace.accounts import permissions


@pytest.mark.parametrize(
    ("grant", "region", "allowed"),
    [
        ("500236", "500236", True),  # 奉节县 officer in 奉节县
        ("500236", "500238", False),  # ... not in 巫溪县
        ("500236", "500000", False),  # ... not over all of Chongqing
        ("500000", "500236", True),  # a Chongqing officer covers its counties
        ("371600", "371602", True),  # 滨州市 covers 滨城区
        ("441900", "441900115", True),  # 东莞市 covers 清溪镇
        ("441900115", "441900114", False),  # 清溪镇 does not cover 黄江镇
    ],
)
def test_officer_acts_only_within_their_region(make_user, grant, region, allowed):
    officer, _ = make_user(("region_officer", grant))
    assert permissions.officiates(officer, region) is allowed


def test_admin_officiates_everywhere_buyer_nowhere(make_user):
    admin, _ = make_user(("admin", None))
    buyer, _ = make_user()
    assert permissions.officiates(admin, "530627")
    assert not permissions.officiates(buyer, "530627")


def test_passwords_are_stored_as_argon2id_hashes(make_user):
    user, _ = make_user(password="correct horse 1")
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
