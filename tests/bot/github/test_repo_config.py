"""`.github/flowbot.yml`: defaults, settings, and errors that say what and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.github.repo_config import RepoConfig, RepoConfigError, load_repo_config


def _write(root: Path, text: str) -> Path:
    (root / ".github").mkdir(parents=True, exist_ok=True)
    (root / ".github" / "flowbot.yml").write_text(text)
    return root


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_repo_config(tmp_path) == RepoConfig()


def test_the_settings_are_read(tmp_path: Path) -> None:
    config = load_repo_config(_write(tmp_path, "max_gate_attempts: 2\nreviewers: [octocat]\n"
                                               "allowed_connectors: [shopify, hubspot]\n"))

    assert (config.max_gate_attempts, config.reviewers) == (2, ["octocat"])
    assert config.allowed_connectors == ["shopify", "hubspot"]


@pytest.mark.parametrize(("text", "says"), [
    ("max_gate_attempts: [3\n", "not valid YAML at line"),
    ("- a list\n", "must be a mapping"),
    ("reviewer: octocat\n", "`reviewer` is not a setting"),
    ("\nmax_gate_attempts: 99\n", "`max_gate_attempts`: Input should be less than or equal "
                                  "to 10 (line 2)"),
])
def test_a_bad_file_gets_a_comment_saying_what_and_where(tmp_path: Path, text: str,
                                                         says: str) -> None:
    with pytest.raises(RepoConfigError) as caught:
        load_repo_config(_write(tmp_path, text))

    assert says in caught.value.comment
    assert caught.value.comment.startswith("flowbot cannot use `.github/flowbot.yml`")
