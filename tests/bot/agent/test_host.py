"""The agent writes only inside its flow's folder, and reads nothing outside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.host import CheckoutHost
from bot.agent.tools import ToolRefused, run_tool

FOLDER = "flows/new_flow"


@pytest.fixture
def host(tmp_path: Path) -> CheckoutHost:
    root = tmp_path / "checkout"
    (root / "flows" / "new_flow").mkdir(parents=True)
    (root / "flows" / "other").mkdir()
    (root / "README.md").write_text("hello")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[secret]")
    (tmp_path / "outside.txt").write_text("outside")
    (root / "flows" / "new_flow" / "escape").symlink_to(tmp_path)
    return CheckoutHost(root, FOLDER)


@pytest.mark.parametrize("path", [
    ".github/workflows/ci.yml", "flows/other/flow.py", "README.md", "/etc/passwd",
    f"{FOLDER}/../other/flow.py", f"{FOLDER}/escape/outside.txt", f"{FOLDER}/.git/config",
    "",
])
def test_a_write_outside_the_flow_folder_is_refused_with_a_reason(host: CheckoutHost,
                                                                  path: str) -> None:
    with pytest.raises(ToolRefused):
        host.write_file(path, "x = 1\n")

    assert (host.root / "README.md").read_text() == "hello"


@pytest.mark.parametrize("path", ["../outside.txt", ".git/config", "/etc/passwd",
                                  f"{FOLDER}/escape/outside.txt"])
def test_a_read_outside_the_checkout_or_of_git_is_refused(host: CheckoutHost, path: str) -> None:
    with pytest.raises(ToolRefused):
        host.read_file(path)


def test_writes_inside_the_folder_work_and_refusals_reach_the_model_as_errors(
        host: CheckoutHost) -> None:
    host.write_file(f"{FOLDER}/fixtures/packet.json", "{}")
    refused = run_tool(host, "write_file", {"path": "README.md", "content": "pwned"})

    assert (host.root / FOLDER / "fixtures" / "packet.json").read_text() == "{}"
    assert refused.is_error
    assert refused.content.startswith("refused: README.md: you may only write inside")


def test_code_before_a_valid_spec_is_refused(host: CheckoutHost) -> None:
    outcome = run_tool(host, "write_file", {"path": f"{FOLDER}/flow.py", "content": "x = 1"})

    assert outcome.is_error
    assert "write flows/new_flow/spec.yaml first" in outcome.content
