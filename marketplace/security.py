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

from flask import Config, Flask, Response, current_app, request
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
    https_only = app.config["ENV"] == "production"

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path == docs_path:
            policy = DOCS_POLICY
        elif request.path == "/api" or request.path.startswith("/api/"):
            policy = API_POLICY
        elif PAYMENT_PAGE.fullmatch(request.path) and _stripe_in_use(current_app.config):
            policy = STRIPE_PAGE_POLICY
        else:
            policy = WEB_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        if https_only:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # What a signed-in caller reads is theirs alone: no shared or browser cache keeps it.
        if "Authorization" in request.headers and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
            headers.add("Vary", "Authorization")
        return response
