"""`flowbot config`: checking `.github/flowbot.yml`, and its published schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.config import SCHEMA_FILE, config_schema
from tests.bot.cli.conftest import Flowbot


def test_the_published_schema_is_the_models() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == config_schema()


def test_every_range_is_in_the_schema_and_the_docs() -> None:
    properties = config_schema()["properties"]
    docs = (Path(__file__).resolve().parents[3] / "docs/configuration.md").read_text()
    assert properties["max_gate_attempts"]["minimum"] == 1
    assert properties["max_gate_attempts"]["maximum"] == 10
    for name in properties:
        assert f"`{name}`" in docs
    assert "1 to 10" in docs
    assert "10000 to 5000000" in docs


@pytest.mark.parametrize(("text", "exit_code", "said"), [
    ("max_gate_attempts: 3\n", 0, "valid"),
    ("", 0, "valid"),
    ("max_gate_attempts: 11\n", 1, "`max_gate_attempts`: Input should be less than or equal "
                                   "to 10 (line 1)"),
    ("draft: true\n", 1, "`draft` is not a setting"),
    ("a: [\n", 1, "it is not valid YAML at line"),
])
def test_config_check(flowbot: Flowbot, tmp_path: Path, text: str, exit_code: int,
                      said: str) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/flowbot.yml").write_text(text)

    result = flowbot("config", "check")

    assert result.returncode == exit_code
    assert said in result.stdout + result.stderr


def test_config_check_without_a_file_names_the_defaults(flowbot: Flowbot) -> None:
    result = flowbot("config", "check")

    assert result.returncode == 0
    assert "absent, so every setting has its default" in result.stdout


def test_config_check_prints_values_as_they_are_written_in_the_file(flowbot: Flowbot,
                                                                    tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/flowbot.yml").write_text(
        "draft_on_failure: false\nreviewers: [octocat, hubot]\neffort: {revise: medium}\n"
        "thinking: between_tools\n")

    result = flowbot("config", "check")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  max_gate_attempts: 4", "  token_budget: 400000", "  reviewers: [octocat, hubot]",
        "  allowed_connectors: unset", "  draft_on_failure: false",
        "  thinking: between_tools", "  effort: {revise: medium}",
        "  dollar_budget: unset", "  deadline_minutes: unset"]
