"""`flowbot --help` and every subcommand's `--help` explain themselves."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.commands import COMMANDS

ROOT: Any = typer.main.get_command(app)  # typer's own copy of click's Command and Group


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _commands(sub, (*path, name))
    return found


def _command(path: tuple[str, ...]) -> Any:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", _commands(ROOT), ids=lambda path: " ".join(path) or "flowbot")
def test_every_command_has_help_that_says_what_it_does_and_what_each_option_means(
        path: tuple[str, ...]) -> None:
    command = _command(path)

    shown = CliRunner().invoke(app, [*path, "--help"])

    assert shown.exit_code == 0, shown.output
    assert (command.help or "").strip(), f"flowbot {' '.join(path)} has no description"
    undocumented = [param.name for param in command.params
                    if param.param_type_name == "option" and param.name != "help"
                    and not (param.help or "").strip()]
    assert undocumented == [], f"flowbot {' '.join(path)}: options without help"


def test_there_is_a_command_for_each_job_of_the_product() -> None:
    names = {" ".join(path) for path in _commands(ROOT)}

    assert {"serve", "worker", "demo", "eval", "eval-check", "validate", "run", "register",
            "failures report", "connectors list", "spec schema"} <= names


@pytest.mark.parametrize("path", [p for p in _commands(ROOT) if "\n" in (_command(p).help or "")],
                         ids=lambda path: " ".join(path) or "flowbot")
def test_a_description_is_reflowed_to_the_terminal_not_broken_where_its_docstring_wraps(
        path: tuple[str, ...]) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "1000"})
    paragraphs = [" ".join(paragraph.split()).replace("`", "")
                  for paragraph in (_command(path).help or "").split("\n\n")]
    lines = [" ".join(line.split()).replace("`", "") for line in shown.output.splitlines()]

    assert shown.exit_code == 0, shown.output
    assert all(paragraph in lines for paragraph in paragraphs), shown.output


@pytest.mark.parametrize("name", COMMANDS)
def test_a_commands_line_in_the_list_is_the_first_paragraph_of_its_help(name: str) -> None:
    first_paragraph = inspect.cleandoc(ROOT.commands[name].help or "").split("\n\n")[0]

    assert COMMANDS[name].summary == " ".join(first_paragraph.split())


def test_listing_the_commands_imports_none_of_them() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "import sys\n"
         "from typer.testing import CliRunner\n"
         "from bot.cli import app\n"
         "listed = CliRunner().invoke(app, ['--help']).output\n"
         "print(sorted(name for name in sys.modules if name.startswith('bot.cli.')))\n"
         "print(all(name in listed for name in ('serve', 'eval-check', 'runner')))"],
        capture_output=True, text=True, check=True, timeout=60)

    assert shown.stdout.splitlines() == ["['bot.cli.commands', 'bot.cli.errors']", "True"]
