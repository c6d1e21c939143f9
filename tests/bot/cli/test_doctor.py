"""`flowbot doctor` against the GitHub and Messages API simulators: one line per check, exit 0
when everything is ready and 1, naming what to fix, when something is not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.doubles.github import GitHubSimulator
from bot.doubles.github.state import RepoLabel
from bot.doubles.messages import MessagesSimulator
from bot.github.labels import REPOSITORY_LABELS as LABELS
from bot.store import InstalledRepository, open_app_store
from tests.bot.cli.conftest import Flowbot


@pytest.fixture
def setup(tmp_path: Path, app_key: str) -> Iterator[tuple[GitHubSimulator, dict[str, str]]]:
    github = GitHubSimulator(tmp_path / "github", private_key_pem=app_key, webhook_secret="s",
                             validate=True)
    with github.serve() as github_url, MessagesSimulator().serve() as model_url:
        github.create_repository("acme", "integrations")
        data = tmp_path / "app"
        env = {"GITHUB_APP_ID": str(github.world.app_id), "GITHUB_PRIVATE_KEY": app_key,
               "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_API_URL": github_url,
               "ANTHROPIC_API_KEY": "sk-ant-doctor", "ANTHROPIC_BASE_URL": model_url,
               "FLOWBOT_DATA_DIR": str(data)}
        data.mkdir()
        with open_app_store(f"sqlite:///{data / 'app.sqlite3'}").begin() as session:
            session.add(InstalledRepository(repository="acme/integrations",
                                            installation_id=github.world.installation_id))
        yield github, env
    assert github.conformance.problems == []


def _lines(output: str) -> dict[str, str]:
    return {line[6:].split("  ", 1)[0].strip(): line for line in output.splitlines()}


@pytest.mark.sandbox
def test_a_ready_server_passes_every_check(flowbot: Flowbot,
                                           setup: tuple[GitHubSimulator, dict[str, str]]) -> None:
    github, env = setup
    for name, color, description in LABELS:
        github.world.repositories["acme/integrations"].labels[name] = RepoLabel(
            name, color, description)

    result = flowbot("doctor", env=env)

    assert result.returncode == 0, result.stdout
    lines = _lines(result.stdout)
    assert list(lines) == ["settings", "private key", "GitHub", "app permissions", "app events",
                           "database", "labels in acme/integrations", "queue", "sandbox",
                           "model"]
    assert all(line.startswith("ok  ") for line in lines.values()), result.stdout
    assert "claude-sonnet-5-5 is available (no tokens spent)" in lines["model"]


def test_what_is_wrong_is_named(flowbot: Flowbot,
                                setup: tuple[GitHubSimulator, dict[str, str]]) -> None:
    github, env = setup
    github.world.permissions["checks"] = "read"
    github.world.events.remove("issue_comment")

    priced = '{"gpt-4": {"rates": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1}}}'
    # priced, so the settings load (an unpriced model stops them) and the endpoint is asked
    result = flowbot("doctor", env={**env, "FLOWBOT_MODEL": "gpt-4",
                                    "FLOWBOT_MODEL_PRICES": priced})

    assert result.returncode == 1
    lines = _lines(result.stdout)
    assert lines["app permissions"].startswith("FAIL")
    assert "checks: write (has read)" in lines["app permissions"]
    assert "not subscribed to issue_comment" in lines["app events"]
    assert ("missing integration-request, flow-failure, needs-info: run `flowbot init --repo "
            "acme/integrations`") in lines["labels in acme/integrations"]
    assert "no model gpt-4: set FLOWBOT_MODEL" in lines["model"]


def test_settings_that_cannot_start(flowbot: Flowbot) -> None:
    result = flowbot("doctor", env={"GITHUB_APP_ID": "x"})

    assert result.returncode == 1
    assert _lines(result.stdout)["settings"].startswith("FAIL  settings  cannot start: ")
