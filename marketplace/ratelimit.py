"""Whom a rate limit counts, and when a throttled client may try again.

Behind TRUSTED_PROXY_HOPS reverse proxies (werkzeug's ProxyFix) the client's address is the one
the nearest trusted proxy saw; with none trusted (the default) X-Forwarded-For is ignored, so a
client cannot pick its own address.
"""

import ipaddress
import math
import time

from flask import Flask, request
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
