"""Prompt templates render completely and carry a version that changes with their text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.agent.prompts import PROMPTS, render, version_of


def test_the_generate_prompt_renders_with_its_version() -> None:
    prompt = render("generate", flow_folder="flows/x", issue_number="12", issue_title="Sync",
                    request="<untrusted kind=\"issue_body\">…</untrusted>", context="")

    assert "flows/x" in prompt.text
    assert prompt.version == version_of("generate")
    assert prompt.version.startswith("generate@")


def test_a_missing_value_is_an_error() -> None:
    with pytest.raises(KeyError):
        render("generate", flow_folder="flows/x")


def test_the_version_changes_when_the_template_does(tmp_path: Path) -> None:
    shutil.copy2(PROMPTS / "system.md", tmp_path / "system.md")
    before = version_of("system", tmp_path)
    (tmp_path / "system.md").write_text((tmp_path / "system.md").read_text() + "\nMore.")

    assert version_of("system", tmp_path) != before
    assert version_of("system", tmp_path).startswith("system@")
