"""deploy/: what can be checked without a Docker engine — the compose file, the systemd units,
`.env.example`, and the Dockerfile's install steps run in a clean virtualenv."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from bot.settings import VARIABLES
from flowkit.runtime.database_url import checked_database_url
from tests.support.wheel import build_wheel

PROJECT = Path(__file__).resolve().parents[1]
DEPLOY = PROJECT / "deploy"


def test_compose_has_the_app_the_worker_postgres_and_redis() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]

    assert sorted(services) == ["postgres", "redis", "web", "worker"]
    assert services["web"]["command"][0] == "serve"
    assert services["worker"]["command"][0] == "worker"
    assert "seccomp=unconfined" in services["worker"]["security_opt"]
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        url = re.sub(r"\$\{[^}]+\}", "secret", environment["FLOWBOT_DATABASE_URL"])
        assert checked_database_url(url).drivername == "postgresql+psycopg"
        assert environment["FLOWBOT_REDIS_URL"].startswith("redis://redis:")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(),
                       re.MULTILINE)

    assert set(names) - set(VARIABLES) == {"POSTGRES_PASSWORD"}
    assert {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET",
            "ANTHROPIC_API_KEY"} <= set(names)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    flowbot = Path(sys.executable).parent / "flowbot"
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text()
        assert "KillMode=mixed" in text
        copy = tmp_path / unit.name  # the venv's flowbot stands in for /opt/flowbot's
        copy.write_text(text.replace("/opt/flowbot/bin/flowbot", str(flowbot)))
        units.append(str(copy))

    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                              capture_output=True, text=True, check=False)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stderr == ""


def test_the_dockerfiles_install_steps_work_in_a_clean_venv(tmp_path: Path) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    packages = re.search(r"apt-get install -y --no-install-recommends ([a-z0-9 .-]+)",
                         dockerfile)
    install = re.search(r"(/opt/flowbot/bin/pip install [^\n\\]+)", dockerfile)
    assert packages is not None
    assert install is not None
    known = subprocess.run(["apt-cache", "show", *packages[1].split()], capture_output=True,
                           text=True, check=False)
    assert known.returncode == 0, known.stderr  # the same Debian release as the image's
    wheel = build_wheel(tmp_path)
    venv.create(tmp_path / "flowbot", with_pip=True)
    step = (install[1].replace("/opt/flowbot", str(tmp_path / "flowbot"))
            .replace("/wheels", str(wheel.parent))
            .replace("/tmp/constraints.txt", str(PROJECT / "constraints.txt")))

    ran = subprocess.run(["bash", "-c", step], capture_output=True, text=True, check=False,
                         timeout=600)
    version = subprocess.run([str(tmp_path / "flowbot/bin/flowbot"), "--version"],
                             capture_output=True, text=True, check=False)
    extras = subprocess.run([str(tmp_path / "flowbot/bin/python"), "-c",
                             "import redis, psycopg"], capture_output=True, text=True,
                            check=False)

    assert ran.returncode == 0, ran.stderr
    assert version.stdout == "flowbot 0.1.0\n"
    assert extras.returncode == 0, extras.stderr
