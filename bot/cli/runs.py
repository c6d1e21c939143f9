"""`flowbot runs list|show`: the history of flow runs in the runtime store."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bot.cli.errors import fail
from bot.cli.run import Database, runtime_store
from flowkit.runtime.store import Run
from flowkit.runtime.tables import as_utc

console = Console()
app = typer.Typer(help="The history of flow runs: counts, version, duration.",
                  no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _shown(iso: str | None) -> str:
    """An ISO time in UTC as a person reads it: to the second, without the offset."""
    return iso[:19].replace("T", " ") if iso else "—"


def _described(run: Run) -> dict[str, Any]:
    seconds = ((run.finished_at - run.started_at).total_seconds()
               if run.finished_at is not None else None)
    return {"id": run.id, "flow": run.flow, "version": run.version, "status": run.status,
            "started_at": as_utc(run.started_at).isoformat(),
            "finished_at": as_utc(run.finished_at).isoformat() if run.finished_at else None,
            "seconds": round(seconds, 3) if seconds is not None else None,
            "counts": run.counts}


@app.command("list")
def list_runs(flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
              limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
              database: Database = None, as_json: AsJson = False) -> None:
    """The latest runs, newest first."""
    with runtime_store(database)() as store:
        query = select(Run).order_by(Run.started_at.desc()).limit(limit)
        if flow:
            query = query.where(Run.flow == flow)
        runs = [_described(run) for run in store.scalars(query)]
    if as_json:
        typer.echo(json.dumps(runs))
        return
    if not runs:
        of = f" of {flow}" if flow else ""
        typer.echo(f"no runs{of} yet: `flowbot run {flow or 'FLOW'}` or the runner makes them")
        return
    table = Table(title="flow runs")
    for column in ("run", "flow", "version", "status", "started (UTC)", "seconds", "counts"):
        table.add_column(column)
    for run in runs:
        table.add_row(run["id"], run["flow"], run["version"][:12], run["status"],
                      _shown(run["started_at"]),
                      "" if run["seconds"] is None else str(run["seconds"]),
                      ", ".join(f"{k} {v}" for k, v in sorted(run["counts"].items())))
    console.print(table)


@app.command("show")
def show_run(run_id: Annotated[str, typer.Argument(help="The run's id.")],
             database: Database = None, as_json: AsJson = False) -> None:
    """One run: flow, version, status, duration and what became of its packets."""
    with runtime_store(database)() as store:
        run = store.get(Run, run_id)
        described = _described(run) if run is not None else None
    if described is None:
        fail(f"no run {run_id} (see `flowbot runs list`)")
    if as_json:
        typer.echo(json.dumps(described))
        return
    console.print(f"[bold]run {described['id']}[/bold] of {described['flow']} at version "
                  f"{described['version']}: {described['status']}")
    finished = (f"finished {_shown(described['finished_at'])} UTC ({described['seconds']} s)"
                if described["finished_at"] else "not finished")
    console.print(f"started {_shown(described['started_at'])} UTC, {finished}", highlight=False)
    for outcome, count in sorted(described["counts"].items()):
        console.print(f"  {outcome}: {count}")
