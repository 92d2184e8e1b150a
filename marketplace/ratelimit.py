"""Whom a rate limit counts, and when a throttled client may try again.

Behind TRUSTED_PROXY_HOPS reverse proxies (werkzeug's ProxyFix) the client's address is the one
the nearest trusted proxy saw; with none trusted (the default) X-Forwarded-For is ignored, so a
client cannot pick its own address.
"""

import ipaddress
import math
import time

from flask import Flask, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        # X-Forwarded-For only: the app builds no absolute URLs, and a Host, scheme or prefix header
        # that a proxy does not set would be the client's word.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]


def client_address() -> str:
    """The client's address; for IPv6 its /64, since one subscriber is given a whole /64 and could
    otherwise take a fresh address for every guess."""
    address = request.remote_addr or "-"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address


def retry_after_seconds(reset_at: float | None, default: int = 60) -> int:
    """Whole seconds until `reset_at` (a Unix time), at least one: "0" would invite an instant retry."""
    if reset_at is None:
        return default
    return max(1, math.ceil(reset_at - time.time()))


def limits_in_views_only(app: Flask, limiter: Limiter) -> None:
    """Every limit here guards the views it decorates (sign-in, password reset, mail sent, invitations)
    and is checked as that view runs; the app sets no default, application-wide or blueprint limits.
    flask-limiter's own check before every request, which looks for those, finds none at the cost of
    more than the rest of a cached GET's hooks together: it is not run. A GET of the catalog, the
    region tree or /health pays nothing for limits; each limited view still meets its limit."""
    app.before_request_funcs[None].remove(limiter._check_request_limit)
