"""schemathesis against the served OpenAPI document: every operation, as each role, with bounded
examples. No answer is a 5xx, and every answer matches the schema documented for its status.

The long form is `make fuzz` (SCHEMATHESIS_EXAMPLES=200 by default).
"""

import json
import os
import subprocess
import sys

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import ProductFactory, SupplierFactory

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
ROLES = {
    "anon": (),
    "buyer": (),
    "officer": (("region_officer", "500236"),),
    "admin": (("admin", None),),
}


@pytest.fixture
def role_headers(make_user):
    """Each role's auth headers; each signed-in caller is a member of a verified supplier with a
    product, so that generated ids find something now and then."""
    headers = {"anon": {}}
    for role, grants in ROLES.items():
        if role != "anon":
            user, headers[role] = make_user(*grants)
            ProductFactory(supplier=SupplierFactory(members=[user]))
    return headers


DOCUMENT = (
    "import json; from marketplace import create_app; "
    "app = create_app({'ENV': 'test', 'DATABASE_URL': 'sqlite://'}); "
    "print(json.dumps(app.test_client().get('/api/openapi.json').json))"
)


class CurrentApp:
    """The WSGI app schemathesis calls: each test points it at its own app (its database, its Redis).
    The document is read in a process of its own, since an app made here would bind the Celery
    tasks to itself."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


current = CurrentApp()
schema = schemathesis.openapi.from_dict(
    json.loads(subprocess.run([sys.executable, "-c", DOCUMENT], check=True, capture_output=True).stdout)
)
schema.app = current


@pytest.fixture(autouse=True)
def _serve_the_test_app(app):
    current.app = app
    yield
    current.app = None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_documented_answers(case, role_headers):
    for headers in role_headers.values():
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])
