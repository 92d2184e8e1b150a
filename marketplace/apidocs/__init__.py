"""The API's documentation: names for generated clients, and Swagger UI.

Every operation of /api/openapi.json has an operationId made of its blueprint, HTTP method and view,
`<blueprint>_<method>_<view>` in snake case (CancelOrder.post in orders: `orders_post_cancel_order`),
unless the view names its own with @blp.doc(operationId=...). Its summary is the first line of the
view's docstring, in Chinese; the rest of the docstring is the description.

Swagger UI at /api/docs, served whole by this app: the page, Swagger UI's files (from the pinned
flask-swagger-ui package) and the script that starts it, under /api/docs/static/. The page names no
other host, so it works offline and where a CDN is unreachable.

flask-smorest serves the page, rendering marketplace/templates/swagger_ui.html (the app's templates
come before flask-smorest's own). That page has no inline script, so its CSP allows scripts from this
server only (marketplace/security.py). With API_DOCS_ENABLED off neither the page nor its files are
served; /api/openapi.json still is.
"""

import importlib.resources
import os
import re
from typing import Any

from apispec import BasePlugin
from flask import Flask, abort, send_from_directory

SWAGGER_UI = str(importlib.resources.files("flask_swagger_ui") / "dist")
HERE = os.path.dirname(os.path.abspath(__file__))
START_SCRIPT = "swagger-ui-init.js"
# What the page loads: Swagger UI's files from the package, the start script from here.
SWAGGER_UI_FILES = ("swagger-ui.css", "swagger-ui-bundle.js")


# Where a CamelCase view name gets an underscore: OrderById -> order_by_id.
WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class OperationIds(BasePlugin):
    """apispec plugin: names each operation after its blueprint, method and view (flask-smorest
    hands it the Flask rule, whose endpoint is `<blueprint>.<view>`)."""

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        blueprint, view = kwargs["rule"].endpoint.split(".", 1)
        view = WORD_BOUNDARY.sub("_", view).lower()
        for method, operation in (operations or {}).items():
            operation.setdefault("operationId", f"{blueprint}_{method}_{view}")


def docs_path(app: Flask) -> str | None:
    """Where the page is served (/api/docs), or None when the docs are off."""
    if not app.config["API_DOCS_ENABLED"]:
        return None
    return app.config["OPENAPI_URL_PREFIX"].rstrip("/") + app.config["OPENAPI_SWAGGER_UI_PATH"]


def init_app(app: Flask) -> None:
    """Before flask-smorest's init_app, which registers the page from these settings."""
    path = docs_path(app)
    if path is None:
        app.config["OPENAPI_SWAGGER_UI_PATH"] = None
        return
    app.config["OPENAPI_SWAGGER_UI_URL"] = f"{path}/static/"
    app.add_url_rule(f"{path}/static/<path:filename>", endpoint="api_docs_static", view_func=asset)


def asset(filename: str):
    if filename == START_SCRIPT:
        return send_from_directory(HERE, filename)
    if filename in SWAGGER_UI_FILES:
        return send_from_directory(SWAGGER_UI, filename)
    abort(404)
