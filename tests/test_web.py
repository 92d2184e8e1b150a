"""The web app's build served at / (marketplace/web.py): history-mode pages, cached assets, its own
strict CSP, and a page that says how to build it when it is missing, with the API served as ever."""

import pytest

INDEX = (
    '<!doctype html><html lang="zh-CN"><head>'
    '<script type="module" src="/assets/index-3f9a1c.js"></script></head></html>'
)


@pytest.fixture
def built(app, tmp_path):
    """A web build of two files, served in place of the checkout's."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-3f9a1c.js").write_text("console.log('消费帮扶')")
    previous, app.config["WEB_DIST"] = app.config["WEB_DIST"], str(tmp_path)
    yield tmp_path
    app.config["WEB_DIST"] = previous


@pytest.fixture
def unbuilt(app, tmp_path):
    previous, app.config["WEB_DIST"] = app.config["WEB_DIST"], str(tmp_path / "nothing")
    yield
    app.config["WEB_DIST"] = previous


@pytest.mark.parametrize("path", ["/", "/dashboard", "/sign-in?next=/dashboard", "/a/page/deep/down"])
def test_every_path_outside_the_api_is_the_app_revalidated_each_load(client, built, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == INDEX
    assert response.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(client, built):
    response = client.get("/assets/index-3f9a1c.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/index-000000.js").status_code == 404


def test_the_app_loads_only_from_its_own_origin(client, built):
    policy = client.get("/dashboard").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy
    assert client.get("/api/v1/regions").headers["Content-Security-Policy"].startswith("default-src 'none'")


def directives_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))


def test_where_stripe_is_the_gateway_its_script_may_load_on_the_payment_page_only(client, built):
    pay = directives_of(client.get("/orders/12/pay"))
    assert pay["script-src"] == "'self' https://js.stripe.com"
    assert pay["frame-src"] == "https://js.stripe.com https://hooks.stripe.com"
    assert pay["connect-src"] == "'self' https://api.stripe.com"
    assert pay["frame-ancestors"] == "'none'"
    others = (
        "/",
        "/cart",
        "/checkout",
        "/orders/12/result",
        "/orders/12/pay/more",
        "/orders/x/pay",
        "/products/1",
    )
    for path in (*others, "/orders/12/pay/more"):
        response = client.get(path)
        assert "stripe" not in response.headers["Content-Security-Policy"], path
        assert directives_of(response)["script-src"] == "'self'", path
    assert "stripe" not in client.get("/api/v1/orders/12").headers["Content-Security-Policy"]


def test_the_development_gateways_payment_page_allows_no_other_origin(app, client, built, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_GATEWAY", "dev")
    policy = client.get("/orders/12/pay").headers["Content-Security-Policy"]
    assert "stripe" not in policy and "http" not in policy


def test_where_cards_go_through_stripe_beside_other_gateways_its_script_may_load(
    app, client, built, monkeypatch
):
    monkeypatch.setitem(app.config, "PAYMENT_GATEWAY", "dev")
    monkeypatch.setitem(app.config, "PAYMENT_METHODS", {"card": "stripe", "wechat_pay": "dev"})
    assert directives_of(client.get("/orders/12/pay"))["script-src"] == "'self' https://js.stripe.com"
    monkeypatch.setitem(app.config, "PAYMENT_METHODS", {"wechat_pay": "dev"})
    assert "stripe" not in client.get("/orders/12/pay").headers["Content-Security-Policy"]


def test_unknown_api_paths_stay_the_apis_json_404s(client, built):
    for response in (client.get("/api/v1/nowhere"), client.post("/api/v1/nowhere"), client.get("/api")):
        assert response.status_code == 404
        assert response.get_json()["code"] == 404


def test_without_a_build_the_front_page_says_how_to_make_one_and_the_api_still_answers(client, unbuilt):
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "npm run build" in response.get_data(as_text=True)
    assert client.get("/api/v1/regions?parent=500000").status_code == 200
