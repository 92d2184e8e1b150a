"""Every kind of bad request gets the API's error shape and a 4xx, never a 500."""

import pytest

REGISTER = "/api/v1/auth/register"
GOOD = {"email": "a@example.test", "password": "long enough 1", "display_name": "A"}


def assert_error_shape(r, code):
    assert r.status_code == code, r.data
    assert r.is_json
    assert r.json["code"] == code
    assert isinstance(r.json["status"], str) and r.json["status"]
    assert isinstance(r.json["message"], str) and r.json["message"]


def test_malformed_json_is_400(client):
    r = client.post(REGISTER, data='{"email": ', content_type="application/json")
    assert_error_shape(r, 400)
    assert r.json["errors"] == {"json": ["Invalid JSON body."]}


def test_unknown_field_is_422_naming_it(client):
    r = client.post(REGISTER, json={**GOOD, "is_admin": True})
    assert_error_shape(r, 422)
    assert r.json["errors"]["json"] == {"is_admin": ["未知字段。"]}
    assert "is_admin" in r.json["message"]


def test_wrong_type_is_422_naming_the_field(client):
    r = client.post(REGISTER, json={**GOOD, "display_name": 42})
    assert_error_shape(r, 422)
    assert "display_name" in r.json["errors"]["json"]


def test_missing_field_is_422_naming_it(client):
    r = client.post(REGISTER, json={"email": "a@example.test", "display_name": "A"})
    assert_error_shape(r, 422)
    assert r.json["errors"]["json"] == {"password": ["必填项，不能缺少。"]}


def test_json_array_instead_of_object_is_422(client):
    r = client.post(REGISTER, json=[GOOD])
    assert_error_shape(r, 422)


def test_control_characters_in_text_are_422(client):
    r = client.post(REGISTER, json={**GOOD, "display_name": "bad\x00name"})
    assert_error_shape(r, 422)
    assert "display_name" in r.json["errors"]["json"]


def test_missing_auth_is_401(client):
    assert_error_shape(client.get("/api/v1/users"), 401)


def test_unknown_path_is_404(client):
    assert_error_shape(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_405_with_allow(client):
    r = client.delete("/api/v1/regions")
    assert_error_shape(r, 405)
    assert "GET" in r.headers["Allow"]


def test_oversized_body_is_413(client):
    r = client.post(REGISTER, data="{" + " " * (1024 * 1024 + 10) + "}", content_type="application/json")
    assert_error_shape(r, 413)


@pytest.mark.parametrize("query", ["level=planet", "parent=12ab56", "q=" + "x" * 65])
def test_bad_query_parameters_are_422_naming_them(client, query):
    r = client.get("/api/v1/regions?" + query)
    assert_error_shape(r, 422)
    assert query.split("=")[0] in r.json["errors"]["query"]


def test_bad_input_changes_nothing(client):
    client.post(REGISTER, json={**GOOD, "unexpected": 1})
    assert (
        client.post(
            "/api/v1/auth/token", json={"email": GOOD["email"], "password": GOOD["password"]}
        ).status_code
        == 401
    )


def test_openapi_document_is_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/regions" in r.json["paths"] and "/api/v1/auth/token" in r.json["paths"]


def test_production_refuses_the_development_payment_gateway_and_missing_secrets():
    from marketplace.config import ConfigError, load
    from tests.conftest import PRODUCTION_MAIL

    base = {"ENV": "production", "SECRET_KEY": "s", "DATABASE_URL": "postgresql://db/x", **PRODUCTION_MAIL}
    with pytest.raises(ConfigError, match="development payment gateway"):
        load("/tmp", {**base, "PAYMENT_GATEWAY": "dev"})
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        load("/tmp", {**base, "STRIPE_SECRET_KEY": "sk_live_x"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load("/tmp", {"ENV": "production", "DATABASE_URL": "postgresql://db/x"})
    settings = load("/tmp", {**base, "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"})
    assert settings["PAYMENT_GATEWAY"] == "stripe"
