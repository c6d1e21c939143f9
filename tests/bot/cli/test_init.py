"""`flowbot init`: the thin repository's files, and its labels created on GitHub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from bot.doubles.github import GitHubSimulator
from bot.github.labels import REPOSITORY_LABELS as LABELS
from bot.github.repo_config import RepoConfig, load_repo_config
from tests.bot.cli.conftest import Flowbot

CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
EXPECTED = ["flows/__init__.py", "requirements.txt", ".gitignore", ".github/flowbot.yml",
            ".github/workflows/flowbot.yml", ".github/pull_request_template.md",
            ".github/ISSUE_TEMPLATE/flow-failure.yml",
            ".github/ISSUE_TEMPLATE/integration-request.yml"]


def test_init_writes_the_thin_repository(flowbot: Flowbot, tmp_path: Path) -> None:
    result = flowbot("init", "repo")

    assert result.returncode == 0, result.stderr
    root = tmp_path / "repo"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
        == sorted(EXPECTED)
    assert "flowbot==0.1.0" in (root / "requirements.txt").read_text().splitlines()
    assert load_repo_config(root) == RepoConfig()  # the example is the defaults, spelled out
    workflow = yaml.safe_load((root / ".github/workflows/flowbot.yml").read_text())
    steps = [step.get("run", "") for step in workflow["jobs"]["validate"]["steps"]]
    assert "flowbot validate flows/" in steps
    assert "pip install -r requirements.txt" in steps
    form = yaml.safe_load((root / ".github/ISSUE_TEMPLATE/integration-request.yml").read_text())
    assert form["labels"] == ["integration-request"]


def test_init_keeps_files_that_exist_unless_forced(flowbot: Flowbot, tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/flowbot.yml").write_text("max_gate_attempts: 2\n")

    kept = flowbot("init", ".")
    forced = flowbot("init", ".", "--force")

    assert "kept .github/flowbot.yml (it exists; --force overwrites)" in kept.stdout
    assert "wrote .github/flowbot.yml" in forced.stdout
    assert load_repo_config(tmp_path).max_gate_attempts == 4


def test_the_ci_workflow_and_the_forms_match_githubs_schemas(flowbot: Flowbot,
                                                            tmp_path: Path) -> None:
    flowbot("init", "repo")
    github = tmp_path / "repo/.github"
    for schema, files in (("vendor.github-workflows", [github / "workflows/flowbot.yml"]),
                          ("vendor.github-issue-forms",
                           sorted((github / "ISSUE_TEMPLATE").glob("*.yml")))):
        checked = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema,
                                  *map(str, files)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_init_creates_the_labels_once(flowbot: Flowbot, github: GitHubSimulator) -> None:
    token, _ = github.world.mint_token()
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": github.base_url}

    first = flowbot("init", "repo", "--repo", "acme/integrations", env=env)
    again = flowbot("init", "repo", "--repo", "acme/integrations", env=env)

    assert first.returncode == 0, first.stderr
    names = [name for name, _, _ in LABELS]
    assert f"labels in acme/integrations: created {', '.join(names)}" in first.stdout
    assert f"already there: {', '.join(names)}" in again.stdout
    labels = github.world.repositories["acme/integrations"].labels
    assert sorted(labels) == sorted(names)
    assert labels["flow-failure"].color == "d93f0b"


def test_init_where_no_folder_can_be_made_is_one_line(flowbot: Flowbot, tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")

    result = flowbot("init", str(in_the_way / "integrations"))

    assert result.returncode == 2
    assert result.stderr.startswith(f"flowbot: cannot write the repository's files in "
                                    f"{in_the_way / 'integrations'} ("), result.stderr
    assert result.stderr.endswith("give a folder this user may write\n")
    assert len(result.stderr.splitlines()) == 1
