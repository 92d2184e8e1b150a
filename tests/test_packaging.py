"""The README's production install, from a built wheel in a fresh virtualenv outside the checkout, and
CLI commands that fail with a message and a non-zero exit status."""

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import requests

from tests import services as svc
from tests.conftest import PRODUCTION_MAIL, SERVICES, database_name
from tests.processes import free_port, stop, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


def test_seeding_regions_from_a_missing_folder_exits_non_zero_naming_the_file(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["seed", "regions", "--dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "Error:" in result.output and "regions.csv" in result.output


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
@pytest.mark.postgres
def test_the_readme_production_steps_work_from_a_wheel_outside_the_checkout(tmp_path, worker_id, redis_url):
    """A fresh virtualenv sees this one's packages (the dependencies, already installed) through a .pth
    file, which does not run this environment's editable-install hook: marketplace is the wheel's."""
    wheels, venv, elsewhere = tmp_path / "wheels", tmp_path / "venv", tmp_path / "srv"
    elsewhere.mkdir()
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        os.environ.copy(),
        ROOT,
    )
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], os.environ.copy(), elsewhere)
    python = venv / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], {}, elsewhere)
    Path(site.stdout.strip(), "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (wheel,) = wheels.glob("marketplace-*.whl")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETPLACE_", "FLASK_", "PYTHON"))}
    run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        clean,
        elsewhere,
    )
    where = run([str(python), "-c", "import marketplace; print(marketplace.__file__)"], clean, elsewhere)
    assert where.stdout.strip().startswith(str(venv))
    # `flask seed demo` imports the demo data from the package's seed folder, installed as package data.
    demo = run([str(python), "-c", "import marketplace.seed.demo as d; print(d.__file__)"], clean, elsewhere)
    assert demo.stdout.strip().startswith(str(venv))

    name = database_name("marketplace_wheel", worker_id)
    database_url = svc.create_database(SERVICES, name)
    try:
        env = {
            **clean,
            "MARKETPLACE_ENV": "production",
            "SECRET_KEY": "wheel-test-secret-key-" + "x" * 20,
            "DATABASE_URL": database_url,
            "STRIPE_SECRET_KEY": "sk_test_wheel",
            "STRIPE_WEBHOOK_SECRET": "whsec_wheel",
            "MARKETPLACE_LOG_LEVEL": "WARNING",
            "LANG": "C.UTF-8",  # a server's terminal: the commands answer in Chinese
            "LC_ALL": "",
            "LC_MESSAGES": "",
            **{f"MARKETPLACE_{key}": value for key, value in PRODUCTION_MAIL.items()},
            **({"REDIS_URL": redis_url} if redis_url else {}),
        }
        flask = [str(python), "-m", "flask", "--app", "marketplace:create_app"]
        run([*flask, "db", "upgrade"], env, elsewhere)
        seeded = run([*flask, "seed", "regions"], env, elsewhere)
        assert "个地区" in seeded.stdout
        admin = run(
            [
                *flask,
                "users",
                "create-admin",
                "--email",
                "you@example.org",
                "--password",
                "kumquat ferry lantern 7",
            ],
            env,
            elsewhere,
        )
        assert "已创建 you@example.org" in admin.stdout

        port = free_port()
        server = subprocess.Popen(
            [str(python), "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "marketplace:create_app()"],
            env=env,
            cwd=elsewhere,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, "gunicorn", seconds=60)
            health = requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=30)
            assert health.status_code == 200 and health.json()["database"]["ok"], health.text
            token = requests.post(
                f"http://127.0.0.1:{port}/api/v1/auth/token",
                json={"email": "you@example.org", "password": "kumquat ferry lantern 7"},
                timeout=30,
            )
            assert token.status_code == 200, token.text
            # Swagger UI's page, its template and files are in the wheel: the docs are on in production.
            docs = requests.get(f"http://127.0.0.1:{port}/api/docs", timeout=30)
            assert docs.status_code == 200, docs.text
            loads = re.findall(r'(?:src|href)="(/[^"]+)"', docs.text)
            assert any(url.endswith("swagger-ui-init.js") for url in loads), docs.text
            for url in loads:
                assert requests.get(f"http://127.0.0.1:{port}{url}", timeout=30).status_code == 200, url
        finally:
            stop(server)
    finally:
        svc.drop_database(SERVICES, name)
