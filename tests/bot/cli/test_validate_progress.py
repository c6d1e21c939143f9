"""`flowbot validate` shows its progress on a terminal's stderr, and only there: stdout holds
the report alone, and `--json` or a stderr that is not a terminal get no progress at all."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

from flowkit.validator import flow_folders
from tests.bot.cli.conftest import FLOWBOT

PROJECT = Path(__file__).resolve().parents[3]
FLOWS = [folder.name for folder in flow_folders(PROJECT)]
REPORT = "".join(f"flows/{name}: clean (stages 1, 2, 3, 4)\n" for name in FLOWS)


def _on_a_terminal(*arguments: str) -> tuple[int, str, str]:
    """Run `flowbot validate ARGS…` with stderr on a pseudo-terminal and stdout on a pipe:
    the exit code, stdout, and what the terminal received."""
    terminal, child_end = pty.openpty()
    process = subprocess.Popen([str(FLOWBOT), "validate", *arguments], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=child_end, cwd=PROJECT,
                               env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"],
                                    "TERM": "xterm"})
    os.close(child_end)
    received = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        received += chunk
    os.close(terminal)
    stdout = process.stdout.read().decode() if process.stdout else ""
    return process.wait(timeout=120), stdout, received.decode()


def test_on_a_terminal_each_flow_and_stage_is_shown_on_stderr_and_stdout_holds_the_report() -> None:
    code, stdout, terminal = _on_a_terminal("--static-only")

    assert code == 0
    assert stdout == REPORT
    assert f"{FLOWS[0]} (1/{len(FLOWS)}): stage 1, compile" in terminal
    assert f"{FLOWS[-1]} ({len(FLOWS)}/{len(FLOWS)}): stage 4, structure and spec" in terminal
    assert "clean (stages" not in terminal


def test_with_json_the_terminal_gets_nothing_and_stdout_is_one_json_object() -> None:
    code, stdout, terminal = _on_a_terminal("--static-only", "--json")

    assert code == 0
    assert terminal == ""
    report = json.loads(stdout)
    assert [flow["stages_passed"] for flow in report["flows"]] == [[1, 2, 3, 4]] * len(FLOWS)


def test_when_stderr_is_not_a_terminal_nothing_but_the_report_is_printed() -> None:
    result = subprocess.run([str(FLOWBOT), "validate", "--static-only"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120, check=False,
                            env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]})

    assert result.returncode == 0
    assert (result.stdout, result.stderr) == (REPORT, "")
