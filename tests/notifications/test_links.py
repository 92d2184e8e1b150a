"""Every kind of notification links to a page the web app has (a path of web/src/router), in the
inbox and in its mail alike: a link to a page that does not exist lands the reader on 页面不存在."""

import re
from pathlib import Path

import pytest

from marketplace.notifications import texts
from marketplace.notifications.models import Notification, NotificationKind

ROUTER = Path(__file__).parents[2] / "web" / "src" / "router" / "index.ts"
# What each kind's notification keeps, as its receiver stores it (see receivers.py and digest.py).
PARAMS = {
    NotificationKind.CERTIFICATION_DECIDED: {"product": "奉节脐橙", "product_id": 15, "status": "certified"},
    NotificationKind.CERTIFICATE_EXPIRING: {"product_id": 15, "valid_until": "2026-12-31"},
    NotificationKind.ALERT_OPENED: {"kind": "target_behind", "region": "重庆市", "alert": {}},
}


def router_paths() -> list[str]:
    """The router's paths, a child's after its parent's; the catch-all (页面不存在) left out."""
    source = ROUTER.read_text(encoding="utf-8")
    paths, parents, last = [], [], ""
    for token in re.finditer(r"path: '([^']*)'|children: \[|\[|\]", source):
        if token.group(1) is not None:
            last = "/".join(p.rstrip("/") for p in [*(parent for parent, _ in parents), token.group(1)] if p)
            paths.append(last if last.startswith("/") else "/" + last)
        elif token.group(0).startswith("children"):
            parents.append((last, 1))
        elif parents and token.group(0) == "[":
            parents[-1] = (parents[-1][0], parents[-1][1] + 1)
        elif parents and token.group(0) == "]":
            parent, depth = parents.pop()
            if depth > 1:
                parents.append((parent, depth - 1))
    return [path for path in paths if ":missing" not in path]


# A path's parameter, with its own pattern when it has one: `:id(\\d+)`.
PARAM = re.compile(r":\w+(?:\(([^)]*)\))?")


def as_pattern(path: str) -> re.Pattern[str]:
    """A vue-router path as a regular expression (the source's `\\\\d` is the pattern's `\\d`)."""
    pattern, end = "", 0
    for param in PARAM.finditer(path):
        custom = param.group(1)
        pattern += re.escape(path[end : param.start()]) + (
            custom.replace("\\\\", "\\") if custom else "[^/]+"
        )
        end = param.end()
    return re.compile(pattern + re.escape(path[end:]))


def test_the_router_paths_are_read_with_their_parents():
    paths = router_paths()
    assert {
        "/dashboard/alerts",
        "/portal/orders/:id(\\\\d+)",
        "/orders/:id(\\\\d+)",
        "/notifications",
    } <= set(paths)
    assert as_pattern("/portal/orders/:id(\\\\d+)").fullmatch("/portal/orders/7")
    assert not as_pattern("/portal/orders/:id(\\\\d+)").fullmatch("/portal/orders/new-one")


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_each_kind_links_to_a_page_of_the_web_app(kind):
    notification = Notification(kind=kind, subject_type="any", subject_id=7, params=PARAMS.get(kind, {}))
    link = texts.link(notification)
    path = link.split("?")[0]
    assert any(as_pattern(route).fullmatch(path) for route in router_paths()), link
