"""Common and guessable passwords are refused wherever a password is set, with the reason."""

import pytest

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.errors import InvalidField
from marketplace.extensions import db
from marketplace.seed.demo import DEMO_ACCOUNTS

REGISTER = "/api/v1/auth/register"


def users() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("12345678", "最常用的 10 个密码"),
        ("password", "最常用的 10 个密码"),
        ("qwertyuiop", "最常用的 100 个密码"),
        ("li.hua@example.test", "含有您的邮箱或姓名"),
        ("lihua2026", "含有您的邮箱或姓名"),
    ],
)
def test_registration_refuses_a_guessable_password_saying_why(client, password, why):
    body = {"email": "li.hua@example.test", "password": password, "display_name": "Li Hua"}
    r = client.post(REGISTER, json=body)
    assert r.status_code == 422
    [message] = r.json["errors"]["json"]["password"]
    assert message.startswith("密码太容易被猜中。") and why in message
    assert users() == 0


def test_a_password_made_of_the_display_name_is_refused(client):
    body = {"email": "a1@example.test", "password": "zhangxiaoming", "display_name": "zhang xiaoming"}
    r = client.post(REGISTER, json=body)
    assert r.status_code == 422
    assert "含有您的邮箱或姓名" in r.json["errors"]["json"]["password"][0]


def test_registration_takes_a_strong_password(client):
    body = {"email": "li.hua@example.test", "password": "correct horse 1", "display_name": "李华"}
    assert client.post(REGISTER, json=body).status_code == 201
    assert users() == 1


def test_a_password_change_to_a_common_password_is_refused_naming_new_password(client, make_user):
    _, headers = make_user(email="wang@example.test", password="old password 1")
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": "old password 1", "new_password": "password1"},
        headers=headers,
    )
    assert r.status_code == 422
    assert "常用的密码" in r.json["errors"]["json"]["new_password"][0]
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login = client.post(
        "/api/v1/auth/token", json={"email": "wang@example.test", "password": "old password 1"}
    )
    assert login.status_code == 200


def test_create_admin_refuses_a_guessable_password(app):
    r = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "root@example.test", "--password", "administrator"]
    )
    assert r.exit_code != 0
    assert "密码太容易被猜中" in r.output
    assert users() == 0


def test_the_check_names_the_field_it_is_given():
    with pytest.raises(InvalidField) as raised:
        accounts.check_password_strength("11111111", "a@example.test", "A", field="new_password")
    assert list(raised.value.errors["json"]) == ["new_password"]


def test_the_demo_passwords_pass_the_rule(app):
    for email, password, name, *_ in DEMO_ACCOUNTS:
        accounts.check_password_strength(password, email, name)
