"""Response hardening every route shares: security headers and the cross-origin (CORS) policy.

The API serves JSON to clients holding bearer tokens, never cookies, so a browser page on another
origin gets nothing unless its origin is listed in CORS_ORIGINS. Swagger UI (/api/docs) is the one
HTML page of the API; it loads its scripts and styles from this server and nothing else
(marketplace/apidocs). The web app (marketplace/web.py, every path outside /api) loads only what this
server serves: its scripts, styles, fonts and images, and its calls to the API, all from its own origin.
One page excepted, and only where Stripe is the gateway: the payment page (/orders/<id>/pay) loads
Stripe.js from js.stripe.com, as Stripe requires, with the frames and calls its Payment Element makes.
"""

import re

from flask import Config, Flask, Request, Response, current_app, request
from flask.sessions import SessionInterface, SessionMixin
from flask_cors import CORS

from marketplace import apidocs

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI sets styles inline; its scripts are files (the page has no inline script).
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# blob: images are the photos only a signed-in reader may see, fetched with the token (after-sales).
WEB_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# What Stripe.js needs (Stripe's own list): its script, its frames (the Payment Element, 3-D Secure),
# its API. The web app opens this page by a full load, so that it gets this policy and others never do.
STRIPE_PAGE_POLICY = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' https://api.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAYMENT_PAGE = re.compile(r"/orders/[0-9]+/pay/?")
# Sent by clients and read by the API: bearer tokens, JSON and upload bodies, idempotent retries.
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key"]
EXPOSED_HEADERS = ["X-Pagination", "Retry-After", "Location", "Content-Disposition"]


def _stripe_in_use(config: Config) -> bool:
    """Whether a payment method goes through Stripe: the default gateway, or one of
    PAYMENT_METHODS (card through Stripe beside WeChat Pay and Alipay, say)."""
    methods = config["PAYMENT_METHODS"]
    return "stripe" in (methods.values() if methods else (config["PAYMENT_GATEWAY"],))


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if isinstance(origins, str):
        origins = [o.strip() for o in origins.split(",") if o.strip()]
    CORS(
        app,
        resources={r"/api/*": {"origins": origins}},
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        supports_credentials=False,
        max_age=600,
    )
    docs_path = apidocs.docs_path(app)
    # Every response's headers, made once per policy: each request only picks its set.
    common = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if app.config["ENV"] == "production":
        common.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    def with_policy(policy: str) -> tuple[tuple[str, str, str], ...]:
        return tuple(
            (name.lower(), name, value) for name, value in [*common, ("Content-Security-Policy", policy)]
        )

    docs, api, stripe_page, web = map(with_policy, (DOCS_POLICY, API_POLICY, STRIPE_PAGE_POLICY, WEB_POLICY))

    @app.after_request
    def security_headers(response: Response) -> Response:
        path = request.path
        if path == docs_path:
            chosen = docs
        elif path.startswith("/api/") or path == "/api":
            chosen = api
        elif PAYMENT_PAGE.fullmatch(path) and _stripe_in_use(current_app.config):
            chosen = stripe_page
        else:
            chosen = web
        headers = response.headers
        # What the view set itself stands (as setdefault would), in one pass over its headers.
        present = {name.lower() for name, _ in headers}
        headers.extend([(name, value) for lower, name, value in chosen if lower not in present])
        # What a signed-in caller reads is theirs alone: no shared or browser cache keeps it.
        if "cache-control" not in present and "Authorization" in request.headers:
            headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Authorization")
        return response


class NoSessions(SessionInterface):
    """The API and the web app hold bearer tokens, never a cookie session: no request opens one
    (Flask's default would build a signing serialiser for every request to find no cookie)."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None
