"""flowbot's subcommands by name, each module imported only when its command is used.

Importing every command's module made each `flowbot …` pay for all of them (four seconds of
imports, the Messages simulator's `anthropic` among them) before doing anything; now
`flowbot run` imports what `run` needs, and `flowbot --help` lists them from their summaries
here, importing none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module
from typing import Any, NamedTuple

import typer
from typer._click import Command, Context, HelpFormatter  # typer's own copy of click
from typer.core import MarkupMode, TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

MARKUP: MarkupMode = "markdown"
"""How every help text is rendered: docstrings are Markdown (`code`, lists, paragraphs)."""


class Entry(NamedTuple):
    """One of flowbot's commands, before its module is imported."""

    target: str
    """Where it lives: `module:attribute`, a function for a command or a `typer.Typer` for a
    group of them."""
    summary: str
    """Its line in `flowbot --help`: the first paragraph of its help, kept here so that listing
    the commands imports none of them (a test checks that the two agree)."""


COMMANDS = {
    "connectors": Entry("bot.cli.connectors:app",
        "List the connectors and show their catalog entries."),
    "init": Entry("bot.cli.init:init",
        "Scaffold a thin integrations repository: flows/, .github/ (issue forms, PR template, CI "
        "running `flowbot validate`, flowbot.yml) and requirements.txt pinning flowbot."),
    "config": Entry("bot.cli.config:app",
        "The repository's settings (.github/flowbot.yml): schema and check."),
    "simulate": Entry("bot.cli.simulate:simulate",
        "Serve a vendor simulator on 127.0.0.1 until interrupted."),
    "showcase": Entry("bot.cli.showcase:showcase",
        "Show the connector library, an example flow and the sandbox at work (no network)."),
    "demo": Entry("bot.cli.demo:demo",
        "Play the whole loop locally: issue → PR, /revise → commit, failure → repair PR."),
    "eval": Entry("bot.cli.eval:evaluate",
        "Run the generate job on every eval task and score the pull requests it opens."),
    "eval-check": Entry("bot.cli.eval:check",
        "Check the eval's tasks themselves, without a model."),
    "register": Entry("bot.cli.register:register",
        "Register the app from app.yml: serve a page that posts the manifest to GitHub, take "
        "GitHub's answer, and write .env with the app's id, key path and webhook secret."),
    "doctor": Entry("bot.cli.doctor:doctor",
        "Check this server's set-up: one line per check; exit 1 if any failed."),
    "validate": Entry("bot.cli.validate:validate",
        "Run the gate over flows: exit 0 clean, 1 findings, 2 could not run."),
    "run": Entry("bot.cli.run:run",
        "Run a flow once: every new packet through the flow, never one twice."),
    "failures": Entry("bot.cli.run:failures_app",
        "List, show, replay and report failed packets."),
    "runs": Entry("bot.cli.runs:app",
        "The history of flow runs: counts, version, duration."),
    "runner": Entry("bot.cli.runner:app",
        "Run a repository's default-branch flows on their triggers."),
    "spec": Entry("bot.cli.spec:app",
        "The flow spec (spec.yaml): its schema, and checking one."),
    "db": Entry("bot.cli.db:app",
        "The stores' schemas: upgrade them to this version of flowbot."),
    "serve": Entry("bot.cli.serve:serve",
        "Receive GitHub's webhooks at POST /api/github/webhooks (and /healthz, /readyz, /metrics). "
        "Configuration comes from the environment (see docs/deploying.md)."),
    "worker": Entry("bot.cli.serve:worker",
        "Consume jobs from the queue (SQLite by default, Redis with FLOWBOT_REDIS_URL)."),
}
"""Each command's name, in the order help lists them, where it lives and its line in the list."""


def _click_command(name: str, target: Callable[..., Any] | typer.Typer) -> Command:
    """What `app.command(name)(target)` or `app.add_typer(target, name=name)` would have made."""
    if isinstance(target, typer.Typer):
        return get_group_from_info(TyperInfo(target, name=name), pretty_exceptions_short=True,
                                   rich_markup_mode=MARKUP, suggest_commands=True)
    return get_command_from_info(CommandInfo(name=name, callback=target),
                                 pretty_exceptions_short=True, rich_markup_mode=MARKUP)


class _CommandTable(MutableMapping[str, Command]):
    """The group's commands: every name known at once, a command built when first looked up;
    while `listing`, a command not built yet is only its name and summary."""

    def __init__(self) -> None:
        self._built: dict[str, Command] = {}
        self.listing = False

    def __getitem__(self, name: str) -> Command:
        if name in self._built:
            return self._built[name]
        entry = COMMANDS[name]
        if self.listing:
            return TyperCommand(name, help=entry.summary)
        module, _, attribute = entry.target.partition(":")
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
        self._table = _CommandTable()
        self.commands = self._table

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The group's help, listing each command by its summary without importing it."""
        self._table.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._table.listing = False
