"""web/'s own unit tests (Vitest: the formatting of money, weight, dates and status), run here so
that the one test command runs them too."""

import os
import shutil
import subprocess

import pytest

from tests.web import harness

VITEST = harness.ROOT / "web" / "node_modules" / ".bin" / "vitest"


def test_the_web_apps_unit_tests_pass():
    if not VITEST.exists() or not shutil.which("node"):
        reason = "needs the browser: web/node_modules (cd web && npm ci) and Node.js"
        if os.environ.get("MARKETPLACE_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    run = subprocess.run(
        [str(VITEST), "run", "--reporter=verbose"],
        cwd=harness.ROOT / "web",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
