"""`flowbot validate`: the gate, for people (text) and machines (--json), in CI and in the app.

On a terminal, a spinner on stderr says which flow and stage the gate is in (stage 5 takes
seconds per flow); with `--json`, or when stderr is not a terminal, nothing but the report is
printed. The report goes to stdout once every flow is checked.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from flowkit.validator import validate_flow
from flowkit.validator.command import EXIT_COULD_NOT_RUN, UnknownFlow, folders_of, print_reports
from flowkit.validator.runner import STATIC_STAGES

STAGES = {1: "compile", 2: "imports", 3: "connector calls", 4: "structure and spec",
          5: "types and tests in the sandbox"}
"""What each stage checks, as the progress line names it."""


def validate(
    flows: Annotated[list[str] | None, typer.Argument(
        help="Flow folders or names (default: every flow under ./flows).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    static_only: Annotated[bool, typer.Option(
        "--static-only", help="Stop after stage 4: no sandbox, milliseconds.")] = False,
    root: Annotated[Path, typer.Option(help="The checkout whose flows to check.")] = Path("."),
) -> None:
    """Run the gate over flows: exit 0 clean, 1 findings, 2 could not run.

    Stages: 1 compile, 2 imports, 3 connector calls, 4 structure and spec, 5 types and tests in
    the sandbox. The flows are checked against the installed flowkit and connectors (their
    catalog and types); the checkout's own code is never imported here, and its flow runs only
    in the sandbox.
    """
    root = root.resolve()
    errors = Console(stderr=True)
    try:
        folders = folders_of(flows or [], root)
    except UnknownFlow as error:
        errors.print(f"flowbot validate: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_COULD_NOT_RUN) from None
    last = STATIC_STAGES[-1] if static_only else 5
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=errors, transient=True,
                  disable=as_json or not errors.is_terminal) as progress:
        task = progress.add_task("validating…")

        def show(flow: str, number: int, stage: int) -> None:
            progress.update(task, description=f"{flow} ({number}/{len(folders)}): stage "
                                              f"{stage}, {STAGES[stage]}", refresh=True)

        reports = [validate_flow(folder, root=root, last_stage=last,
                                 on_stage=partial(show, folder.name, number))
                   for number, folder in enumerate(folders, start=1)]
    raise typer.Exit(print_reports(reports, root, as_json=as_json))
