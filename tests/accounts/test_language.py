"""Accounts, invitations, regions and the command line speak Chinese by default and English on
request; mails speak their recipient's language, whoever caused them."""

from pathlib import Path

import pytest
import zxcvbn
from babel.messages.extract import extract_from_file

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.auth import invite_to_agency, login, register
from tests.factories import AgencyFactory

EN = {"Accept-Language": "en"}


@pytest.fixture
def agency(app):
    """The agency the invitations are to, committed: the requests that invite end the transaction."""
    agency = AgencyFactory(name="山东省农业农村厅", region_code="370000")
    db.session.commit()
    return agency


def test_a_refused_sign_in_is_chinese_by_default_and_english_on_request(client):
    register(client)
    assert login(client, password="wrong password").json["message"] == "邮箱或密码错误。"
    english = client.post(
        "/api/v1/auth/token", json={"email": "li.hua@example.test", "password": "wrong"}, headers=EN
    )
    assert english.status_code == 401 and english.json["message"] == "Wrong email or password."
    assert english.json["error_code"] == "unauthorized"


def test_registering_answers_in_the_readers_language(client):
    body = {"email": "li.hua@example.test", "password": "correct horse 1", "display_name": "李华"}
    assert client.post("/api/v1/auth/register", json=body).json["message"].startswith("注册成功。")
    body["email"] = "wang@example.test"
    english = client.post("/api/v1/auth/register", json=body, headers=EN).json["message"]
    assert english.startswith("Registered. Sign in with POST /api/v1/auth/token")


def test_password_advice_is_translated_sentence_by_sentence(client):
    body = {"email": "li.hua@example.test", "password": "password", "display_name": "Li Hua"}
    chinese = client.post("/api/v1/auth/register", json=body).json["errors"]["json"]["password"]
    assert chinese == ["密码太容易被猜中。这是最常用的 10 个密码之一。再加一两个词，生僻的词更好。"]
    english = client.post("/api/v1/auth/register", json=body, headers=EN).json
    advice = (
        "Too easy to guess. This is a top-10 common password. "
        "Add another word or two. Uncommon words are better."
    )
    assert english["errors"]["json"]["password"] == [advice]
    assert english["message"] == f"Invalid password: {advice}"


def test_every_sentence_zxcvbn_can_give_is_in_the_catalog():
    feedback = Path(zxcvbn.__file__).parent / "feedback.py"
    sentences = {message for _line, message, _comments, _context in extract_from_file("python", feedback)}
    assert len(sentences) > 20
    assert sentences == set(accounts.PASSWORD_FEEDBACK)


def test_an_officers_read_refused_names_it_in_the_readers_language(client, make_user):
    _, buyer = make_user()
    chinese = client.get("/api/v1/alerts", headers=buyer).json
    assert chinese["message"] == "预警仅供地区工作人员和管理员查看。"
    english = client.get("/api/v1/alerts", headers={**buyer, **EN}).json
    assert english["message"] == "Alerts are for officers and admins."


def test_an_unknown_region_is_named_in_the_readers_language(client):
    assert client.get("/api/v1/regions/999999").json["message"] == "代码为 999999 的地区不存在。"
    english = client.get("/api/v1/regions/999999", headers=EN).json
    assert english["message"] == "No region with code 999999."


def test_the_verification_mail_speaks_the_recipients_saved_language(client, make_user, mailbox):
    register(client)
    [chinese] = mailbox.messages("li.hua@example.test")
    assert chinese["Subject"] == "请验证您的邮箱"
    text = chinese.get_content()
    assert text.startswith("李华，您好：") and "小时内有效" in text and "Verify" not in text

    user = db.session.scalar(db.select(User).where(User.email == "li.hua@example.test"))
    user.locale = "en"
    db.session.commit()
    headers = {"Authorization": "Bearer " + accounts.issue_token(user).access_token}
    resent = client.post("/api/v1/auth/verify-email/resend", headers=headers)
    assert (
        resent.status_code == 202
        and resent.json["message"] == "A verification link was mailed to li.hua@example.test."
    )
    english = mailbox.messages("li.hua@example.test")[-1]
    assert english["Subject"] == "Verify your email address"
    text = english.get_content()
    assert text.startswith("Hello 李华,") and "(valid for 48 h)" in text and "验证" not in text
    assert "/verify-email?token=" in text


def test_the_reset_mail_is_chinese_for_an_account_without_a_saved_language(client, make_user, mailbox):
    make_user(email="wang@example.test")
    client.post("/api/v1/auth/password-reset", json={"email": "wang@example.test"}, headers=EN)
    message = mailbox.messages("wang@example.test")[-1]
    assert message["Subject"] == "重置密码"
    assert "60 分钟内有效，仅可使用一次" in message.get_content()


def test_an_invitation_to_an_address_without_an_account_speaks_the_inviters_language(
    client,
    make_user,
    mailbox,
    agency,
):
    _, admin = make_user(("admin", None))
    assert invite_to_agency(client, {**admin, **EN}, agency, "new@sdny.gov.test").status_code == 202
    english = mailbox.messages("new@sdny.gov.test")[-1]
    assert english["Subject"] == "Invitation to join 山东省农业农村厅 as approver"
    assert "(before " in english.get_content()

    assert invite_to_agency(client, admin, agency, "other@sdny.gov.test", role="purchaser").status_code == 202
    chinese = mailbox.messages("other@sdny.gov.test")[-1]
    assert chinese["Subject"] == "邀请您以采购员身份加入山东省农业农村厅"
    text = chinese.get_content()
    assert "“山东省农业农村厅”" in text and "前接受邀请" in text and "年" in text  # a date in China time


def test_an_invitation_to_an_account_speaks_its_holders_language(
    client,
    make_user,
    mailbox,
    agency,
):
    holder, _ = make_user(email="li@sdny.gov.test")
    holder.locale = "en"
    db.session.commit()
    _, admin = make_user(("admin", None))
    assert invite_to_agency(client, admin, agency, "li@sdny.gov.test").status_code == 202
    assert mailbox.messages("li@sdny.gov.test")[-1]["Subject"].startswith("Invitation to join")


@pytest.mark.parametrize(
    ("lang", "created", "refused"),
    [
        ("C", "已创建 root@example.test", "Error: password 有误：密码太容易被猜中。"),
        ("en_US.UTF-8", "Created root@example.test", "Error: Invalid password: Too easy to guess."),
    ],
)
def test_the_command_line_speaks_the_terminals_language(app, monkeypatch, lang, created, refused):
    for variable in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", lang)
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["users", "create-admin", "--email", "x@example.test", "--password", "password"]
    )
    assert weak.exit_code == 1 and weak.output.startswith(refused)
    r = runner.invoke(
        args=["users", "create-admin", "--email", "root@example.test", "--password", "a long root pass"]
    )
    assert r.exit_code == 0 and r.output.startswith(created)


def test_a_bad_idempotency_key_is_refused_in_the_readers_language(client, make_user):
    _, buyer = make_user()
    headers = {**buyer, "Idempotency-Key": "k" * 300}
    chinese = client.post("/api/v1/orders", json={"items": []}, headers=headers).json
    assert chinese["errors"]["headers"]["Idempotency-Key"] == ["须为 1 至 255 个字符。"]
    english = client.post("/api/v1/orders", json={"items": []}, headers={**headers, **EN}).json
    assert english["errors"]["headers"]["Idempotency-Key"] == ["Must be 1 to 255 characters."]
