"""The web app's build (web/, `npm run build`), served at / beside the API.

Every path outside /api answers index.html, so that the app's own router (history mode) decides what
a bookmarked or reloaded address shows; hashed assets under /assets/ are cached for a year, since
their names change with their content, and index.html is revalidated on every load so that a new
build is picked up at once. Without a build, / says how to make one, and the API is served as ever.
"""

from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory
from werkzeug.routing import PathConverter

from marketplace.parsing import Blueprint

blp = Blueprint("web", __name__, description="The web app")
CHECKOUT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
MISSING = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>消费帮扶 · web app not built</title></head>
<body><h1>消费帮扶</h1>
<p>网页应用尚未构建。The web app has not been built: run <code>cd web &amp;&amp; npm ci &amp;&amp;
npm run build</code> (or <code>make run</code>, which builds it when Node.js is installed), or set
<code>MARKETPLACE_WEB_DIST</code> to a build.</p>
<p>The API is served at <a href="/api/v1/health">/api/v1</a>, documented at
<a href="/api/docs">/api/docs</a>.</p></body></html>
"""


class AppPathConverter(PathConverter):
    """A path of the web app: anything but the API's, whose unknown paths stay the API's 404s."""

    regex = r"(?!api(?:/|$))[^\x00]*?"


def dist() -> Path:
    return Path(current_app.config["WEB_DIST"] or CHECKOUT_DIST)


def index() -> Response:
    page = dist() / "index.html"
    if not page.is_file():
        response = Response(MISSING, 200, content_type="text/html; charset=utf-8")
    else:
        response = send_from_directory(page.parent, page.name, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.route("/", methods=["GET"])
def home() -> Response:
    return index()


@blp.route("/<app_path:path>", methods=["GET"])
def app_page(path: str) -> Response:
    return index()


@blp.route("/assets/<path:filename>", methods=["GET"])
def asset(filename: str) -> Response:
    response = send_from_directory(dist() / "assets", filename)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def init_app(app: Flask) -> None:
    app.url_map.converters["app_path"] = AppPathConverter
    app.register_blueprint(blp)
