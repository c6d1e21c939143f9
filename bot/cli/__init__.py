"""The `flowbot` command: one entry point whose subcommands each live in their own module."""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated

import typer

from bot.cli import (
    config,
    connectors,
    db,
    demo,
    doctor,
    eval,
    init,
    register,
    run,
    runner,
    runs,
    serve,
    showcase,
    simulate,
    spec,
    validate,
)
from bot.cli.errors import EXIT_COULD_NOT_RUN, OPERATOR_ERRORS, message_of

app = typer.Typer(
    name="flowbot",
    help="flowbot: turn GitHub issues into reviewed integration flows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
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


app.add_typer(connectors.app, name="connectors")
app.command("init")(init.init)
app.add_typer(config.app, name="config")
app.command("simulate")(simulate.simulate)
app.command("showcase")(showcase.showcase)
app.command("demo")(demo.demo)
app.command("eval")(eval.evaluate)
app.command("eval-check")(eval.check)
app.command("register")(register.register)
app.command("doctor")(doctor.doctor)
app.command("validate")(validate.validate)
app.command("run")(run.run)
app.add_typer(run.failures_app, name="failures")
app.add_typer(runs.app, name="runs")
app.add_typer(runner.app, name="runner")
app.add_typer(spec.app, name="spec")
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)


def main() -> None:
    """Run the `flowbot` command; an operator's mistake is one line and exit 2."""
    try:
        app()
    except OPERATOR_ERRORS as error:
        print(f"flowbot: {message_of(error)}", file=sys.stderr)
        raise SystemExit(EXIT_COULD_NOT_RUN) from None
