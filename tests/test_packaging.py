"""A plain `pip install` of flowbot's wheel — not editable, no dev extra — in a fresh
virtualenv: the command, the gate in a thin repository, and the extras it may lack."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support.wheel import InstalledWheel

PROJECT = Path(__file__).resolve().parents[1]
FLOW = PROJECT / "flows" / "shopify_orders_to_hubspot_deals"


def _run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
                   **(env or {})}
    return subprocess.run([str(part) for part in argv], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def installed(installed_wheel: InstalledWheel) -> Path:
    """The bin/ of a fresh virtualenv holding flowbot's wheel, without extras."""
    return installed_wheel.bin


def test_the_wheel_gives_the_command(installed: Path, tmp_path: Path) -> None:
    result = _run(installed / "flowbot", "--version", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (0, "flowbot 0.1.0\n")


def test_the_wheel_carries_what_an_installed_flowbot_reads(installed: Path,
                                                           tmp_path: Path) -> None:
    probe = ("from bot.resources import prompts_dir, manifest_path, github_templates, CHECKOUT\n"
             "from bot.resources import example_flow\n"
             "from bot.agent.primer import primer\n"
             "print(CHECKOUT); print(prompts_dir()); print(manifest_path()); "
             "print(github_templates()); print(example_flow()); assert primer()")
    result = _run(installed / "python", "-c", probe, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    checkout, *found = result.stdout.splitlines()
    assert all(not path.startswith(str(PROJECT)) for path in [checkout, *found])
    assert all("/share/flowbot" in path for path in found)


def test_the_wheel_carries_the_migrations_and_upgrades_the_stores(installed: Path,
                                                                  tmp_path: Path) -> None:
    result = _run(installed / "flowbot", "db", "upgrade",
                  "--database", f"sqlite:///{tmp_path / 'app.sqlite3'}",
                  "--runtime-database", f"sqlite:///{tmp_path / 'runtime.sqlite3'}",
                  cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "app store: created -> 0005, 5 migration(s)" in result.stdout
    assert "runtime store: created -> 0004, 4 migration(s)" in result.stdout


@pytest.mark.sandbox
def test_validate_passes_in_a_thin_repository(installed: Path, tmp_path: Path) -> None:
    repository = tmp_path / "integrations"
    scaffolded = _run(installed / "flowbot", "init", repository, cwd=tmp_path)
    assert scaffolded.returncode == 0, scaffolded.stderr
    shutil.copytree(FLOW, repository / "flows" / FLOW.name,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in (tmp_path, *tmp_path.rglob("*")):  # the sandbox runs as nobody
        path.chmod(0o755 if path.is_dir() else 0o644)

    result = _run(installed / "flowbot", "validate", "flows/", cwd=repository,
                  env={"FLOWBOT_MYPY_CACHE": str(tmp_path / "mypy-cache")})

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"flows/{FLOW.name}: clean (stages 1, 2, 3, 4, 5)" in result.stdout
    assert "flowbot config check" in (repository / ".github/workflows/flowbot.yml").read_text()
    checked = _run(installed / "flowbot", "config", "check", cwd=repository)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(("env", "command", "said"), [
    ({"FLOWBOT_DATABASE_URL": "postgresql://flowbot@127.0.0.1/flowbot"}, ["failures", "list"],
     "flowbot: FLOWBOT_DATABASE_URL is a PostgreSQL URL but psycopg is not installed; install "
     "flowbot's postgres extra: in your copy of flowbot, pip install -c constraints.txt "
     "'.[postgres]'"),
    ({"FLOWBOT_REDIS_URL": "redis://127.0.0.1:6379/0", "GITHUB_APP_ID": "1",
      "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----x"},
     ["worker"], "flowbot: cannot start: settings: FLOWBOT_REDIS_URL is set but the redis "
                 "client is not installed; install flowbot's redis extra: in your copy of "
                 "flowbot, pip install -c constraints.txt '.[redis]'"),
])
def test_a_missing_extra_is_named(installed: Path, tmp_path: Path, env: dict[str, str],
                                  command: list[str], said: str) -> None:
    result = _run(installed / "flowbot", *command, cwd=tmp_path, env=env)

    assert result.returncode == 2
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_constraints_pin_every_runtime_dependency() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in project["dependencies"]] + [
        Requirement(text) for extra in ("redis", "postgres")
        for text in project["optional-dependencies"][extra]]
    pins = {}
    for line in (PROJECT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            pins[requirement.name.lower().replace("_", "-")] = requirement
    for requirement in wanted:
        pin = pins.get(requirement.name.lower().replace("_", "-"))
        assert pin is not None, f"constraints.txt lacks {requirement.name}"
        [version] = [spec.version for spec in pin.specifier]
        assert requirement.specifier.contains(version), f"{pin} does not satisfy {requirement}"
