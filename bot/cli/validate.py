"""`flowbot validate`: the gate, for people (text) and machines (--json), in CI and in the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flowkit.validator import STATIC_STAGES, flow_folders, validate_flow

EXIT_CLEAN, EXIT_FINDINGS, EXIT_COULD_NOT_RUN = 0, 1, 2


def _folders(flows: list[Path], root: Path) -> list[Path]:
    if not flows:
        return flow_folders(root)
    folders: list[Path] = []
    for path in flows:
        if path.is_dir() and path.name == "flows":
            folders += flow_folders(path.parent)
        elif path.is_dir():
            folders.append(path)
        elif (root / "flows" / str(path).replace("-", "_")).is_dir():
            folders.append(root / "flows" / str(path).replace("-", "_"))
        else:
            raise typer.BadParameter(f"{path} is neither a flow folder nor a flow's name",
                                     param_hint="FLOW")
    return folders


def validate(
    flows: Annotated[list[Path] | None, typer.Argument(
        help="Flow folders or names (default: every flow under ./flows).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    static_only: Annotated[bool, typer.Option(
        "--static-only", help="Stop after stage 4 (no sandbox: milliseconds).")] = False,
    root: Annotated[Path, typer.Option(help="The checkout whose flows, connectors and "
                                            "catalog to use.")] = Path("."),
) -> None:
    """Run the gate over flows: exit 0 clean, 1 findings, 2 could not run."""
    root = root.resolve()
    folders = _folders(flows or [], root)
    console = Console(stderr=as_json)
    reports = []
    with console.status("validating…") as status:
        for folder in folders:
            status.update(f"validating {folder.name}…")
            reports.append(validate_flow(folder, root=root,
                                         last_stage=STATIC_STAGES[-1] if static_only else 5))
    if as_json:
        typer.echo(json.dumps({"flows": [report.as_json() for report in reports],
                               "clean": all(report.clean for report in reports)}))
    else:
        for report in reports:
            console.print(report.as_text(), markup=False, highlight=False)
        if not reports:
            console.print("no flows found", style="yellow")
    if any(report.could_not_run for report in reports):
        raise typer.Exit(EXIT_COULD_NOT_RUN)
    if not all(report.clean for report in reports):
        raise typer.Exit(EXIT_FINDINGS)
