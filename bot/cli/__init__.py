"""The `flowbot` command: one entry point whose subcommands each live in their own module."""

from __future__ import annotations

import typer

from bot.cli import (
    connectors,
    demo,
    eval,
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

app = typer.Typer(
    name="flowbot",
    help="flowbot: turn GitHub issues into reviewed integration flows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(connectors.app, name="connectors")
app.command("simulate")(simulate.simulate)
app.command("showcase")(showcase.showcase)
app.command("demo")(demo.demo)
app.command("eval")(eval.evaluate)
app.command("eval-check")(eval.check)
app.command("register")(register.register)
app.command("validate")(validate.validate)
app.command("run")(run.run)
app.add_typer(run.failures_app, name="failures")
app.add_typer(runs.app, name="runs")
app.add_typer(runner.app, name="runner")
app.add_typer(spec.app, name="spec")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)


def main() -> None:
    """Run the `flowbot` command."""
    app()
