"""web/'s own unit tests (Vitest: the formatting of money, weight, dates and status), run here so
that the one test command runs them too; and the app's API types, generated from the OpenAPI
document, in step with the document the API serves."""

import os
import shutil
import subprocess

import pytest

from tests.web import harness

BINS = harness.ROOT / "web" / "node_modules" / ".bin"
VITEST = BINS / "vitest"
GENERATE = BINS / "openapi-typescript"
SCHEMA = harness.ROOT / "web" / "src" / "api" / "schema.d.ts"


def need_node(tool):
    if not tool.exists() or not shutil.which("node"):
        reason = "needs web/node_modules (cd web && npm ci) and Node.js"
        if os.environ.get("MARKETPLACE_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def test_the_web_apps_api_types_are_generated_from_the_served_openapi_document(client, tmp_path):
    need_node(GENERATE)
    document = tmp_path / "openapi.json"
    document.write_bytes(client.get("/api/openapi.json").data)
    fresh = tmp_path / "schema.d.ts"
    run = subprocess.run(
        [str(GENERATE), str(document), "-o", str(fresh)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert fresh.read_text() == SCHEMA.read_text(), "web/src/api/schema.d.ts is stale: run make web-types"


def test_the_web_apps_unit_tests_pass():
    need_node(VITEST)
    run = subprocess.run(
        [str(VITEST), "run", "--reporter=verbose"],
        cwd=harness.ROOT / "web",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
