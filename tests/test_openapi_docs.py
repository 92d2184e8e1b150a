"""The API's documentation: Swagger UI served whole by this app (it works offline, and where a CDN is
out of reach), switched off by a setting, and an OpenAPI document whose every operation a generated
client can name (operationId) and a Chinese reader can find (summary)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from marketplace import create_app

DOCS = "/api/docs"
CJK = re.compile(r"[\u4e00-\u9fff]")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class Page(HTMLParser):
    """What a browser would fetch to show the page: every script's src and every link's href, and the
    scripts written into the page itself."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline_scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.loads.append(attrs["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_swagger_ui_and_every_file_it_loads_come_from_this_server(client):
    page = client.get(DOCS)
    assert page.status_code == 200
    html = Page(page.get_data(as_text=True))
    assert html.loads, "the page loads Swagger UI's files"
    assert html.inline_scripts == 0
    for url in html.loads:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is on another host"
        asset = client.get(url)
        assert asset.status_code == 200 and asset.data, url
    assert any(url.endswith("swagger-ui-bundle.js") for url in html.loads)
    policy = page.headers["Content-Security-Policy"]
    assert not re.search(r"https?://", policy), policy
    assert (
        "script-src 'self';" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )


def test_the_page_points_swagger_ui_at_the_served_document(client):
    html = client.get(DOCS).get_data(as_text=True)
    assert 'data-spec-url="/api/openapi.json"' in html
    start = client.get(f"{DOCS}/static/swagger-ui-init.js").get_data(as_text=True)
    assert "SwaggerUIBundle(" in start and "dataset.specUrl" in start


def test_docs_switched_off_are_404_but_the_document_is_still_served(settings, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_API_DOCS_ENABLED", "false")
    client = create_app(settings).test_client()
    assert client.get(DOCS).status_code == 404
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert client.get(f"{DOCS}/static/{name}").status_code == 404, name
    assert client.get("/api/openapi.json").status_code == 200


def test_every_operation_has_a_unique_operation_id_and_a_chinese_summary(client):
    document = client.get("/api/openapi.json").json
    seen: dict[str, str] = {}
    missing, not_chinese, repeated = [], [], []
    for name, operation in operations(document):
        operation_id = operation.get("operationId")
        if not operation_id:
            missing.append(name)
        elif operation_id in seen:
            repeated.append(f"{name} and {seen[operation_id]}: {operation_id}")
        else:
            seen[operation_id] = name
        if not CJK.search(operation.get("summary", "")):
            not_chinese.append(f"{name}: {operation.get('summary')!r}")
    assert len(seen) > 90
    assert not missing, f"no operationId: {missing}"
    assert not repeated, f"operationId used twice: {repeated}"
    assert not not_chinese, "summary without Chinese:\n" + "\n".join(not_chinese)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", operation_id) for operation_id in seen), sorted(seen)


def test_operation_ids_name_blueprint_method_and_view_the_same_in_every_run(client, settings):
    served = {op["operationId"]: op for _, op in operations(client.get("/api/openapi.json").json)}
    order = served["orders_post_orders"]
    assert order["summary"] == "下单"
    assert "stock is reserved" in order["description"]  # the English explanation stays, below
    assert served["orders_get_order_by_id"]["summary"] == "查看订单"
    assert served["procurement_post_approve_step"]["summary"] == "审批通过"
    again = create_app(settings).test_client().get("/api/openapi.json").json
    assert [op["operationId"] for _, op in operations(again)] == list(served)
