"""`flowbot register`: the manifest flow end to end against the GitHub simulator — the page,
GitHub's form and redirect, the code's conversion — and a `.env` that works."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.register import api_url_of, form_page, manifest
from bot.doubles.github import GitHubSimulator
from bot.github.client import AppIdentity, app_client
from bot.settings import load_settings
from tests.support.ports import free_loopback_port

FLOWBOT = Path(sys.executable).parent / "flowbot"
WEBHOOKS = "https://bot.example/api/github/webhooks"


@pytest.fixture
def github(tmp_path: Path, app_key: str) -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator(tmp_path / "github", private_key_pem=app_key,
                                webhook_secret="old", validate=True)
    with simulator.serve():
        simulator.create_repository("acme", "integrations")
        yield simulator
    assert simulator.conformance.problems == []
    assert simulator.conformance.checked > 0


def _page(url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=5).text
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line and not line.startswith("#"))
    return dict(pairs)


def test_register_writes_a_working_env(github: GitHubSimulator, tmp_path: Path) -> None:
    port = free_loopback_port()
    command = subprocess.Popen(
        [str(FLOWBOT), "register", "--webhook-url", WEBHOOKS, "--name", "Acme Flowbot",
         "--org", "acme", "--github-url", github.base_url, "--api-url", github.base_url,
         "--port", str(port), "--env-file", str(tmp_path / ".env"), "--timeout", "60"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    try:
        page = _page(f"http://127.0.0.1:{port}/")  # what the browser shows, then posts
        action = html.unescape(re.search(r'action="([^"]+)"', page)[1])  # type: ignore[index]
        form = html.unescape(re.search(r'name=manifest value="([^"]*)"', page)[1])  # type: ignore[index]
        assert action.startswith(f"{github.base_url}/organizations/acme/settings/apps/new?state=")
        manifest = json.loads(form)
        assert manifest["redirect_url"] == f"http://127.0.0.1:{port}/callback"
        assert manifest["hook_attributes"]["url"] == WEBHOOKS

        redirect = httpx.post(action, data={"manifest": form}, timeout=10)
        assert redirect.status_code == 302
        back = httpx.get(redirect.headers["location"], timeout=30)
        out, err = command.communicate(timeout=60)
    finally:
        command.kill()

    assert back.status_code == 200
    assert command.returncode == 0, err
    env = _env(tmp_path / ".env")
    key = Path(env["GITHUB_PRIVATE_KEY_PATH"])
    assert key == tmp_path / "acme-flowbot.private-key.pem"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600
    assert key.stat().st_mode & 0o777 == 0o600
    assert env["GITHUB_WEBHOOK_SECRET"] == github.webhook_secret != "old"
    assert env["FLOWBOT_APP_SLUG"] == "acme-flowbot"
    assert f"{github.base_url}/apps/acme-flowbot/installations/new" in out
    settings = load_settings(env)  # the app starts with it, and GitHub accepts its key
    with app_client(AppIdentity(settings.github_app_id, settings.private_key(),
                                settings.github_api_url)) as client:
        assert client.rest.apps.get_authenticated().parsed_data.slug == "acme-flowbot"


def test_a_code_works_once(github: GitHubSimulator) -> None:
    redirect = httpx.post(f"{github.base_url}/settings/apps/new", data={"manifest": json.dumps(
        {"name": "x", "url": "https://x.example", "hook_attributes": {"url": WEBHOOKS},
         "redirect_url": "http://127.0.0.1:1/callback"})}, timeout=10)
    code = httpx.URL(redirect.headers["location"]).params["code"]

    first = httpx.post(f"{github.base_url}/app-manifests/{code}/conversions", timeout=30)
    second = httpx.post(f"{github.base_url}/app-manifests/{code}/conversions", timeout=30)

    assert (first.status_code, second.status_code) == (201, 404)


def test_print_gives_the_manifest_with_the_redirect() -> None:
    result = CliRunner().invoke(app, ["register", "--webhook-url", WEBHOOKS, "--print",
                                      "--port", "3999"])

    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    assert manifest["redirect_url"] == "http://127.0.0.1:3999/callback"
    assert manifest["default_events"] == ["issues", "issue_comment", "pull_request_review",
                                          "pull_request_review_comment"]
    assert manifest["default_permissions"]["contents"] == "write"


def test_a_webhook_url_github_cannot_reach_is_refused() -> None:
    result = CliRunner().invoke(app, ["register", "--webhook-url", "http://localhost:8000"])

    assert result.exit_code == 2
    assert "--webhook-url must be an https:// URL GitHub can reach" in result.output


def test_an_existing_env_is_kept(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("GITHUB_APP_ID=1\n")

    result = CliRunner().invoke(app, ["register", "--webhook-url", WEBHOOKS, "--env-file",
                                      str(tmp_path / ".env")])

    assert result.exit_code == 2
    assert "exists; move it away or pass --force" in result.output


@pytest.mark.parametrize(("github_url", "api_url"), [
    ("https://github.com", "https://api.github.com"),
    ("https://github.example.com", "https://github.example.com/api/v3"),
])
def test_the_api_of_github_and_of_enterprise_server(github_url: str, api_url: str) -> None:
    page = form_page(manifest(WEBHOOKS), github_url=github_url, org=None, state="s1")

    assert api_url_of(github_url) == api_url
    assert f'action="{github_url}/settings/apps/new?state=s1"' in page
