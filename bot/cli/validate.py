"""`flowbot validate`: the gate, for people (text) and machines (--json), in CI and in the app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flowkit.validator.command import main as run_gate


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
    named = [str(Path(flow).resolve()) if Path(flow).exists() else flow for flow in flows or []]
    argv = [*named, "--root", str(root), *(["--json"] if as_json else []),
            *(["--static-only"] if static_only else [])]
    raise typer.Exit(run_gate(argv))
