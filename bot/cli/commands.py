"""flowbot's subcommands by name, each module imported only when its command is used.

Importing every command's module made each `flowbot …` pay for all of them (four seconds of
imports, the Messages simulator's `anthropic` among them) before doing anything; now
`flowbot run` imports what `run` needs. Listing the commands (`flowbot --help`) still loads
them all, since each one's help line is its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module
from typing import Any

import typer
from typer._click import Command  # typer's own copy of click, which its groups hold
from typer.core import MarkupMode, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

MARKUP: MarkupMode = "markdown"
"""How every help text is rendered: docstrings are Markdown (`code`, lists, paragraphs)."""

COMMANDS = {
    "connectors": "bot.cli.connectors:app",
    "init": "bot.cli.init:init",
    "config": "bot.cli.config:app",
    "simulate": "bot.cli.simulate:simulate",
    "showcase": "bot.cli.showcase:showcase",
    "demo": "bot.cli.demo:demo",
    "eval": "bot.cli.eval:evaluate",
    "eval-check": "bot.cli.eval:check",
    "register": "bot.cli.register:register",
    "doctor": "bot.cli.doctor:doctor",
    "validate": "bot.cli.validate:validate",
    "run": "bot.cli.run:run",
    "failures": "bot.cli.run:failures_app",
    "runs": "bot.cli.runs:app",
    "runner": "bot.cli.runner:app",
    "spec": "bot.cli.spec:app",
    "db": "bot.cli.db:app",
    "serve": "bot.cli.serve:serve",
    "worker": "bot.cli.serve:worker",
}
"""Each command's name, in the order help lists them, and where it lives: `module:attribute`,
a function for a command or a `typer.Typer` for a group of them."""


def _click_command(name: str, target: Callable[..., Any] | typer.Typer) -> Command:
    """What `app.command(name)(target)` or `app.add_typer(target, name=name)` would have made."""
    if isinstance(target, typer.Typer):
        return get_group_from_info(TyperInfo(target, name=name), pretty_exceptions_short=True,
                                   rich_markup_mode=MARKUP, suggest_commands=True)
    return get_command_from_info(CommandInfo(name=name, callback=target),
                                 pretty_exceptions_short=True, rich_markup_mode=MARKUP)


class _CommandTable(MutableMapping[str, Command]):
    """The group's commands: every name known at once, a command built when first looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            module, _, attribute = COMMANDS[name].partition(":")
            self._built[name] = _click_command(name, getattr(import_module(module), attribute))
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        raise TypeError(f"flowbot's commands are listed in COMMANDS; {name!r} is not added here")

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"flowbot's commands are listed in COMMANDS; {name!r} stays")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class FlowbotCommands(TyperGroup):
    """The `flowbot` group, whose commands are imported as they are used (see the module)."""

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self.commands = _CommandTable()
