"""People read this system in Chinese by default and in English on request; codes and field names
never change with the language; money is formatted from integer fen without floats."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale

import marketplace
from marketplace import i18n
from marketplace.schemas import Timestamp

ROOT = Path(marketplace.__file__).parent.parent
CATALOGS = Path(marketplace.__file__).parent / "translations"
ZH = CATALOGS / "zh_Hans_CN" / "LC_MESSAGES"
EN = CATALOGS / "en" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}")


def extracted_messages() -> set[str]:
    """What `make translations` extracts (babel.cfg): every marked message of the app, its tasks and the
    demo data."""
    found = set()
    for folder in ("marketplace", "workers", "seed"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.update([message] if isinstance(message, str) else message[:1])
    return found


def catalog(folder: Path):
    with open(folder / "messages.po", "rb") as f:
        return read_po(f)


def test_every_marked_message_has_a_chinese_translation_with_the_same_placeholders():
    zh = {m.id: m for m in catalog(ZH) if m.id}
    missing = sorted(extracted_messages() - zh.keys())
    assert not missing, f"not in the catalogs (run `make translations`): {missing}"
    untranslated = sorted(m.id for m in zh.values() if not m.string or m.fuzzy)
    assert not untranslated, f"translate these in {ZH / 'messages.po'}: {untranslated}"
    for message in zh.values():
        assert sorted(PLACEHOLDERS.findall(message.string)) == sorted(PLACEHOLDERS.findall(message.id)), (
            message.id
        )


def test_the_catalogs_hold_no_stale_message_and_english_has_every_one():
    marked = extracted_messages()
    assert {m.id for m in catalog(ZH) if m.id} == marked, "run `make translations`: messages are gone"
    assert {m.id for m in catalog(EN) if m.id} == marked


@pytest.mark.parametrize("folder", [ZH, EN], ids=["zh-CN", "en"])
def test_the_compiled_catalog_is_the_one_translated(folder):
    """The app reads messages.mo: a translation edited in the .po without `make translations` is lost."""
    with open(folder / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    written = {m.id: m.string for m in catalog(folder) if m.id and m.string and not m.fuzzy}
    assert compiled == written


def register_badly(client, **headers):
    return client.post(
        "/api/v1/auth/register", json={"email": "not-an-address", "password": 7}, headers=headers
    )


def test_without_a_language_asked_for_a_422_is_chinese_naming_each_field(client):
    response = register_badly(client)
    body = response.get_json()
    assert response.status_code == 422
    assert body["message"].startswith("输入有误：")
    assert "email：不是有效的电子邮箱地址；" in body["message"]  # one stop, not "。；"
    assert body["errors"]["json"]["display_name"] == ["必填项，不能缺少。"]
    assert body["status"] == "Unprocessable Entity"  # machine fields stay


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", "fr-FR, en;q=0.5"])
def test_accept_language_english_still_gets_english(client, header):
    body = register_badly(client, **{"Accept-Language": header}).get_json()
    assert body["message"].startswith("Invalid input: ")
    assert body["errors"]["json"]["email"] == ["Not a valid email address."]


@pytest.mark.parametrize("header", ["zh-CN", "zh", "zh-TW,zh;q=0.9", "fr", "de-DE,ja;q=0.5"])
def test_chinese_readers_and_unsupported_languages_get_chinese(client, header):
    body = register_badly(client, **{"Accept-Language": header}).get_json()
    assert body["message"].startswith("输入有误：")


def test_formatted_library_messages_are_translated_with_their_figures(client):
    """marshmallow writes 'Must be greater than or equal to 1 and ...' before any reader is known."""
    response = client.get("/api/v1/products?page=0", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"]["page"] == ["须不小于 1。"]
    english = client.get("/api/v1/products?page=0", headers={"Accept-Language": "en"}).get_json()
    assert english["errors"]["query"]["page"] == ["Must be greater than or equal to 1."]


def test_a_saved_language_wins_over_the_browsers(client, make_user):
    _user, auth = make_user()
    response = client.patch("/api/v1/me", json={"locale": "en"}, headers={**auth, "Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert response.get_json()["user"]["locale"] == "en"
    chinese_browser = {**auth, "Accept-Language": "zh-CN"}
    assert client.get("/api/v1/nowhere", headers=chinese_browser).get_json()["message"] == "Not found."
    client.patch("/api/v1/me", json={"locale": None}, headers=auth)
    assert client.get("/api/v1/nowhere", headers=chinese_browser).get_json()["message"] == "未找到。"


def test_an_unknown_language_is_refused_naming_the_field_and_the_choices(client, make_user):
    _user, auth = make_user()
    response = client.patch("/api/v1/me", json={"locale": "fr"}, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["locale"] == ["须为以下之一：zh-CN, en。"]
    assert client.get("/api/v1/me", headers=auth).get_json()["user"]["locale"] is None


@pytest.mark.parametrize(
    ("fen", "chinese", "english"),
    [
        (1_915_716_890, "1,915.72 万元", "CN¥19,157,168.90"),
        (3_000_000_000, "3,000.00 万元", "CN¥30,000,000.00"),
        (32_000_000_000, "3.20 亿元", "CN¥320,000,000.00"),
        (999_999, "9,999.99 元", "CN¥9,999.99"),
        (1_000_000, "1.00 万元", "CN¥10,000.00"),
        (-1_915_716_890, "-1,915.72 万元", "-CN¥19,157,168.90"),
        (5, "0.05 元", "CN¥0.05"),
    ],
)
def test_large_amounts_read_in_wan_yuan_for_officials(app, fen, chinese, english):
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert i18n.wan_yuan(fen) == chinese
        with force_locale("en"):
            assert i18n.wan_yuan(fen) == english


def test_amounts_are_exact_however_large_and_never_floats(app):
    with app.test_request_context(), force_locale("zh_CN"):
        # 2**53 + 1 fen: a float would round it away.
        assert i18n.yuan(9_007_199_254_740_993) == "¥90,071,992,547,409.93"
        assert i18n.wan_yuan(1_915_716_895) == "1,915.72 万元"  # half a fen of a 万 rounds half up
        assert i18n.wan_yuan(1_915_715_000) == "1,915.72 万元"
        with pytest.raises(TypeError):
            i18n.yuan(19.5)


def test_status_codes_are_named_in_the_readers_language_and_listed_with_its_separator(app):
    from marketplace.procurement.models import STATUS_NAMES

    with app.test_request_context():
        with force_locale("zh_CN"):
            assert i18n.name_of(STATUS_NAMES, "draft") == "草稿"
            assert i18n.names_of(STATUS_NAMES, ("submitted", "approved")) == "已提交、已审批"
        with force_locale("en"):
            assert i18n.names_of(STATUS_NAMES, ("submitted", "approved")) == "submitted, approved"
        assert i18n.name_of(STATUS_NAMES, "unheard_of") == "unheard_of"


def test_basis_points_read_as_an_exact_percentage():
    from marketplace.agencies.services import percent

    assert [percent(bp) for bp in (3000, 1234, 1205, 5, 0)] == ["30", "12.34", "12.05", "0.05", "0"]


def test_dates_and_times_for_people_are_china_time(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert i18n.format_day(date(2026, 12, 1)) == "2026年12月1日"
        assert i18n.format_instant(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026年12月1日 00:30:00"


def test_api_instants_are_written_in_china_time_with_their_offset():
    written = Timestamp()._serialize(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), "at", None)
    assert written == "2026-12-01T00:30:00+08:00"
    naive_from_sqlite = Timestamp()._serialize(datetime(2026, 11, 30, 16, 30), "at", None)
    assert naive_from_sqlite == "2026-12-01T00:30:00+08:00"


def test_a_registered_users_instants_come_back_in_china_time(client, make_user):
    _user, auth = make_user()
    created = client.get("/api/v1/me", headers=auth).get_json()["user"]["created_at"]
    assert created.endswith("+08:00")


@pytest.mark.parametrize(
    ("environment", "locale"),
    [
        ({}, "zh_CN"),
        ({"LANG": "C.UTF-8"}, "zh_CN"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LC_MESSAGES": "en_GB"}, "en"),
    ],
)
def test_the_command_line_speaks_the_terminals_english_else_chinese(monkeypatch, environment, locale):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert i18n.terminal_locale() == locale
