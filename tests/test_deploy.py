"""deploy/: what can be checked without a Docker engine — the compose file, the systemd units,
`.env.example`, and the Dockerfile's install steps run in a clean virtualenv."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import venv
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
import yaml

from bot import cli
from bot.settings import VARIABLES
from connectors.core.serving import serve_on_loopback
from connectors.registry import connector_class
from flowkit.runtime.connections import real_connector
from flowkit.runtime.database_url import checked_database_url
from flowkit.runtime.store import Lease, open_store
from tests.runtime.support import (
    asking_service,
    assert_posted_once_or_in_doubt,
    crm_and_slow_slack,
    finished_runs,
    write_secrets,
)
from tests.runtime.test_runner_kill import _remote
from tests.support.wheel import InstalledWheel

PROJECT = Path(__file__).resolve().parents[1]
DEPLOY = PROJECT / "deploy"
COMMANDS = {"web": ["serve"], "worker": ["worker"], "runner": ["runner", "start"]}
"""Each flowbot service of the kit and the flowbot command it runs."""
UNITS = {"web": "flowbot-web.service", "worker": "flowbot-worker.service",
         "runner": "flowbot-runner.service"}
SANDBOXED = ("worker", "runner")
"""The services that run the gate, hence bubblewrap."""


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return compose


def _unit(service: str) -> dict[str, list[str]]:
    """A unit file's settings, each name with its values in order (Environment= repeats)."""
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / UNITS[service]).read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            name, _, value = line.partition("=")
            settings.setdefault(name, []).append(value)
    return settings


def _parsed(argv: list[str]) -> dict[str, Any]:
    """The parameters flowbot's own command line parses `argv` into, without running it: an
    unknown command, an unknown option or a bad value raises as it would at start."""
    command = typer.main.get_command(cli.app)
    words = list(argv)
    context = command.make_context("flowbot", list(words))
    while hasattr(command, "get_command"):  # a group: the next word names its command
        name = words.pop(0)
        found = command.get_command(context, name)
        assert found is not None, f"flowbot has no command {name!r} ({argv})"
        command = found
        context = command.make_context(name, list(words), parent=context)
    return dict(context.params)


def _children(pid: int) -> list[int]:
    """The processes `pid` started that are still alive (a zombie is not)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return [child for child in found if _alive(child)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _postgres(url: str) -> str:
    return checked_database_url(re.sub(r"\$\{[^}]+\}", "secret", url)).drivername


def test_compose_has_the_app_the_worker_the_runner_postgres_and_redis() -> None:
    services = _compose()["services"]

    assert sorted(services) == ["postgres", "redis", "runner", "web", "worker"]
    for name, command in COMMANDS.items():
        assert services[name]["command"][:len(command)] == command
        environment = services[name]["environment"]
        assert _postgres(environment["FLOWBOT_DATABASE_URL"]) == "postgresql+psycopg"
        assert environment["FLOWBOT_RUNTIME_DATABASE_URL"] == environment["FLOWBOT_DATABASE_URL"]
        assert environment["FLOWBOT_REDIS_URL"].startswith("redis://redis:")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "./secrets:/run/secrets/flowbot:ro" in services[name]["volumes"]
    for name in SANDBOXED:  # bwrap's namespaces, without privileges or added capabilities
        assert {"seccomp=unconfined", "apparmor=unconfined"} <= set(services[name]["security_opt"])
        assert "cap_add" not in services[name]
        assert not services[name].get("privileged", False)
    assert "security_opt" not in services["web"]


def test_compose_gives_the_connectors_credentials_to_the_runner_only() -> None:
    services = _compose()["services"]
    secrets = Path(services["runner"]["environment"]["FLOWBOT_SECRETS_FILE"])
    mounts = {Path(volume.split(":")[1]): volume.split(":")[0]
              for volume in services["runner"]["volumes"]}

    assert mounts[secrets.parent].startswith("./")  # a folder of deploy/, mounted read-only
    assert f"{mounts[secrets.parent]}:{secrets.parent}:ro" in services["runner"]["volumes"]
    for name in ("web", "worker"):
        assert "FLOWBOT_SECRETS_FILE" not in services[name]["environment"]
        assert not any(mounts[secrets.parent] == volume.split(":")[0]
                       for volume in services[name]["volumes"])


def test_compose_follows_the_compose_specification() -> None:
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json")
                        .read_text(encoding="utf-8"))

    jsonschema.validate(_compose(), schema)


def test_the_commands_of_the_services_and_units_are_flowbots() -> None:
    services = _compose()["services"]
    for name, command in COMMANDS.items():
        executable, *argv = shlex.split(_unit(name)["ExecStart"][0])

        assert executable == "/opt/flowbot/bin/flowbot"
        assert argv[:len(command)] == command
        assert _parsed(argv) == _parsed(services[name]["command"]) | (
            {"host": "127.0.0.1"} if name == "web" else {})  # the unit listens behind a proxy


def test_the_systemd_units_share_the_user_the_settings_and_the_data_dir() -> None:
    assert sorted(path.name for path in (DEPLOY / "systemd").glob("*.service")) == sorted(
        UNITS.values())
    for name in COMMANDS:
        unit = _unit(name)

        assert (unit["User"], unit["Group"]) == (["flowbot"], ["flowbot"])
        assert unit["EnvironmentFile"] == ["/etc/flowbot/flowbot.env"]
        assert "FLOWBOT_DATA_DIR=/var/lib/flowbot" in unit["Environment"]
        assert unit["WorkingDirectory"] == ["/var/lib/flowbot"]
        assert unit["StateDirectory"] == ["flowbot"]
        assert unit["KillMode"] == ["mixed"]
        assert {value.partition("=")[0] for value in unit["Environment"]} <= set(VARIABLES)
    for name in SANDBOXED:
        assert "RestrictNamespaces" not in _unit(name)


def test_the_kit_names_only_real_settings() -> None:
    services = _compose()["services"]

    for name in COMMANDS:
        assert set(services[name]["environment"]) <= set(VARIABLES), name


def test_the_connectors_file_deploying_md_shows_is_one_the_runner_accepts(
        tmp_path: Path) -> None:
    guide = (PROJECT / "docs" / "deploying.md").read_text()
    example = next(block for block in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
                   if "access_token" in block)
    secrets = tmp_path / "connectors.yaml"
    secrets.write_text(example)

    for name in yaml.safe_load(example):
        real_connector(connector_class(name), secrets_file=secrets, environ={})


def test_env_example_names_only_real_settings() -> None:
    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(),
                       re.MULTILINE)

    assert set(names) - set(VARIABLES) == {"POSTGRES_PASSWORD"}
    assert {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET",
            "ANTHROPIC_API_KEY", "FLOWBOT_RUNNER_REPOSITORY"} <= set(names)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    flowbot = Path(sys.executable).parent / "flowbot"
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text()
        copy = tmp_path / unit.name  # the venv's flowbot stands in for /opt/flowbot's
        copy.write_text(text.replace("/opt/flowbot/bin/flowbot", str(flowbot)))
        units.append(str(copy))

    verified = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                              capture_output=True, text=True, check=False)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stderr == ""


def test_the_dockerfiles_install_steps_work_in_a_clean_venv(
        tmp_path: Path, installed_wheel: InstalledWheel) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    packages = re.search(r"apt-get install -y --no-install-recommends ([a-z0-9 .-]+)",
                         dockerfile)
    install = re.search(r"(/opt/flowbot/bin/pip install [^\n\\]+)", dockerfile)
    assert packages is not None
    assert install is not None
    known = subprocess.run(["apt-cache", "show", *packages[1].split()], capture_output=True,
                           text=True, check=False)
    assert known.returncode == 0, known.stderr  # the same Debian release as the image's
    wheel = installed_wheel.wheel
    venv.create(tmp_path / "flowbot", with_pip=True)
    step = (install[1].replace("/opt/flowbot", str(tmp_path / "flowbot"))
            .replace("/wheels", str(wheel.parent))
            .replace("/tmp/constraints.txt", str(PROJECT / "constraints.txt")))

    # The image's build wants no pip cache and every .pyc; here the cache `make venv` filled
    # and no .pyc make the step 24 s instead of 45-65 s of downloads and compiling. What is
    # installed, at which versions, is the same.
    step = step.replace("--no-cache-dir", "--no-compile")
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


def test_a_runner_stopped_as_the_unit_stops_it_leaves_its_run_to_the_next_one(
        tmp_path: Path, redis_url: str) -> None:
    """What flowbot-runner.service's KillMode=mixed and TimeoutStopSec rest on: SIGTERM to the
    runner alone ends it mid-run well within TimeoutStopSec, its run's child exits by itself
    (before systemd's SIGKILL to what is left), and the runner that starts next finishes the
    flow from the ledger once the lease the stopped one kept has expired, posting nothing
    twice (the batch the stop cut off is held in doubt, posted or not)."""
    flow, contacts, lease_s = "hubspot-contacts-to-slack", 200, 2.0
    timeout = float(_unit("runner")["TimeoutStopSec"][0])
    store = f"sqlite:///{tmp_path / 'runtime.sqlite3'}"
    sessions = open_store(store)
    crm, slack, channel = crm_and_slow_slack(contacts)
    remote = _remote(tmp_path)
    with serve_on_loopback(crm.app) as crm_url, serve_on_loopback(slack.app) as slack_url:
        secrets = write_secrets(tmp_path / "secrets.yaml", hubspot=crm.settings(crm_url),
                                slack=slack.settings(slack_url))
        asker = asking_service(redis_url, remote, sessions, tmp_path / "asker", store)

        def runner(log: Path) -> subprocess.Popen[str]:
            started = subprocess.Popen(
                [sys.executable, "-m", "tests.runtime.fleet_runner", str(tmp_path / "data"),
                 str(remote), store, str(secrets), redis_url, str(lease_s)],
                cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)},
                stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
            deadline = time.monotonic() + 120
            while "ready" not in log.read_text():
                assert started.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            return started

        stopped = runner(tmp_path / "stopped.log")
        try:
            asker.run_now(flow)
            deadline = time.monotonic() + 120
            while len(slack.posted(channel)) < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
            children = _children(stopped.pid)
            stopped.send_signal(signal.SIGTERM)
            stopped.wait(timeout=timeout)
            orphans_deadline = time.monotonic() + timeout
            while any(map(_alive, children)) and time.monotonic() < orphans_deadline:
                time.sleep(0.05)
            left = [child for child in children if _alive(child)]
            posted_at_stop = len(slack.posted(channel))
            with sessions() as session:
                kept = session.get(Lease, flow)
        finally:
            if stopped.poll() is None:
                stopped.kill()
                stopped.wait(timeout=10)
        assert children, "the run's child was not found"  # and any git it runs meanwhile
        assert not left, "the run's child outlived the runner"
        assert 5 <= posted_at_stop < contacts, "the stop must land half-way"
        assert kept is not None, "a stopped runner's run keeps its lease until it expires"

        restarted = runner(tmp_path / "restarted.log")
        try:
            finished = finished_runs(asker, flow, sessions, deadline)
        finally:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=timeout)

    in_doubt = sum(run.counts.get("in_doubt", 0) for run in finished)
    assert_posted_once_or_in_doubt(slack, channel, contacts, in_doubt)
