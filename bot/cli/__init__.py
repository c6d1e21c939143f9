"""The `flowbot` command: one entry point whose subcommands each live in their own module,
imported only when used (`bot.cli.commands`)."""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated

import typer

from bot.cli.commands import MARKUP, FlowbotCommands
from bot.cli.errors import EXIT_COULD_NOT_RUN

app = typer.Typer(
    name="flowbot",
    help="flowbot: turn GitHub issues into reviewed integration flows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP,
    cls=FlowbotCommands,
)


def _version(given: bool) -> None:
    if given:
        typer.echo(f"flowbot {version('flowbot')}")
        raise typer.Exit


@app.callback()
def _options(show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print flowbot's version and exit.")] = False) -> None:
    """flowbot: turn GitHub issues into reviewed integration flows."""


def main() -> None:
    """Run the `flowbot` command; an operator's mistake is one line and exit 2."""
    try:
        app()
    except Exception as error:  # an operator's mistake is one line; a bug keeps its traceback
        from bot.cli.translation import OPERATOR_ERRORS, message_of

        if not isinstance(error, OPERATOR_ERRORS):
            raise
        print(f"flowbot: {message_of(error)}", file=sys.stderr)
        raise SystemExit(EXIT_COULD_NOT_RUN) from None
