"""`flowbot run` and `flowbot failures`: run a flow for real, and deal with what failed."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.errors import fail, require_repository
from bot.cli.translation import database_problem
from flowkit.engine import PacketResult
from flowkit.errors import FlowDefinitionError
from flowkit.runtime.connections import SettingsMissing
from flowkit.runtime.database_url import checked_database_url
from flowkit.runtime.filing import file_issue, report_of
from flowkit.runtime.report import render_failure_report
from flowkit.runtime.runner import RunError
from flowkit.runtime.session import FlowSession, open_flow
from flowkit.runtime.store import FailedMessage, open_store
from flowkit.runtime.tables import as_utc
from flowkit.spec import SpecError

console = Console()
failures_app = typer.Typer(help="List, show, replay and report failed packets.",
                           no_args_is_help=True)

Root = Annotated[Path, typer.Option(help="The checkout holding flows/.")]
RUNTIME_STORE_VARIABLES = ["FLOWBOT_RUNTIME_DATABASE_URL", "FLOWBOT_DATABASE_URL"]
"""Where the runtime's store is named when --database is not given, first set wins: the
runner's own setting, so that these commands read the store the runner writes, then the one
`flowbot run` has always read (on a server it names the app's store: the runtime's tables
would be made there)."""
Database = Annotated[str | None, typer.Option(
    help="SQLAlchemy URL of the runtime's store (default $FLOWBOT_RUNTIME_DATABASE_URL, else "
         "$FLOWBOT_DATABASE_URL, else SQLite in $FLOWBOT_DATA_DIR or .flowbot/).")]
Simulate = Annotated[bool, typer.Option(
    help="Run against in-process simulators instead of the real APIs.")]
Seed = Annotated[int, typer.Option(help="Seed of the simulators' data.")]
Secrets = Annotated[Path | None, typer.Option(
    help="YAML secrets file, one section per connector (default $FLOWBOT_SECRETS_FILE).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def open_runtime_store(url: str | None, setting: str | None) -> sessionmaker[Session]:
    """The runtime's store at `url` (None: SQLite in the data dir); a URL it cannot use, or a
    database that does not answer, is one line naming `setting`, where the URL came from."""
    try:
        if url is not None and setting is not None:
            checked_database_url(url, setting=setting)
        return open_store(url)
    except OperationalError as error:
        fail(database_problem(error, "the runtime's store", setting or "FLOWBOT_DATA_DIR"))


def runtime_store(database: str | None) -> sessionmaker[Session]:
    """The runtime's store --database names, else the first of `RUNTIME_STORE_VARIABLES` set,
    else SQLite in the data dir; a mistake names the one the URL came from."""
    if database:
        return open_runtime_store(database, "--database")
    setting = next((name for name in RUNTIME_STORE_VARIABLES if os.environ.get(name)), None)
    return open_runtime_store(os.environ[setting] if setting else None, setting)


def _open(root: Path, flow: str, database: str | None, simulate: bool, seed: int,
          secrets: Path | None) -> FlowSession:
    sessions = runtime_store(database)
    try:
        return open_flow(root.resolve(), flow, simulate=simulate, seed=seed,
                         secrets_file=secrets, sessions=sessions)
    except (FlowDefinitionError, SpecError, SettingsMissing) as error:
        fail(f"cannot run {flow}: {error}")


def run(flow: Annotated[str, typer.Argument(help="The flow's name or folder name.")],
        root: Root = Path("."), database: Database = None, simulate: Simulate = False,
        seed: Seed = 0, secrets: Secrets = None,
        concurrency: Annotated[int, typer.Option(min=1, max=64,
                                                 help="Packets in flight at once.")] = 4,
        as_json: AsJson = False) -> None:
    """Run a flow once: every new packet through the flow, never one twice.

    Exit 0 when no packet failed, 1 when some did (see `flowbot failures list`), 2 when the
    flow could not run.
    """
    session = _open(root, flow, database, simulate, seed, secrets)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console,
                      transient=True, disable=as_json) as progress:
            task = progress.add_task(f"running {flow}…")
            moved = [0]

            def tick(outcome: str, _result: PacketResult | None) -> None:
                moved[0] += 1
                progress.update(task, description=f"running {flow}: {moved[0]} packets "
                                                  f"(last: {outcome})")

            summary = session.runner.run(concurrency=concurrency, on_packet=tick)
    except RunError as error:
        fail(f"run failed: {error}")
    finally:
        session.close()
    if as_json:
        cursor = summary.cursor
        typer.echo(json.dumps({"flow": flow, "run_id": summary.run_id,
                               "counts": dict(summary.counts),
                               "cursor": cursor.isoformat() if isinstance(cursor, datetime)
                               else cursor, "failure_ids": summary.failure_ids}))
        raise typer.Exit(1 if summary.failure_ids else 0)
    table = Table(title=f"{flow}: run {summary.run_id}")
    table.add_column("outcome")
    table.add_column("packets", justify="right")
    for outcome, count in sorted(summary.counts.items()):
        table.add_row(outcome, str(count))
    console.print(table)
    console.print(f"next run resumes after: {summary.cursor!s}")
    if summary.failure_ids:
        console.print(f"failed messages: {', '.join(map(str, summary.failure_ids))} — see "
                      "`flowbot failures show ID`")
        raise typer.Exit(1)


@failures_app.command("list")
def list_failures(flow: Annotated[str | None, typer.Option(help="Only this flow.")] = None,
                  database: Database = None,
                  as_json: Annotated[bool, typer.Option(
                      "--json", help="Print one JSON array instead of a table.")] = False) -> None:
    """The failed messages, newest first."""
    with runtime_store(database)() as store:
        query = select(FailedMessage).order_by(FailedMessage.id.desc())
        if flow:
            query = query.where(FailedMessage.flow == flow)
        rows = list(store.scalars(query))
    if as_json:
        typer.echo(json.dumps([{"id": r.id, "flow": r.flow, "packet_key": r.packet_key,
                                "step": r.unit, "error_type": r.error_type, "state": r.state,
                                "created_at": as_utc(r.created_at).isoformat(),
                                "issue_url": r.issue_url} for r in rows]))
        return
    if not rows:
        typer.echo(f"no failed messages{f' of {flow}' if flow else ''}")
        return
    table = Table(title="failed messages")
    for column in ("id", "flow", "packet", "step", "error", "state", "issue"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r.id), r.flow, r.packet_key, r.unit,
                      f"{r.error_type}: {r.message[:60]}", r.state, r.issue_url or "")
    console.print(table)


def _failure(database: str | None, failure_id: int) -> FailedMessage:
    with runtime_store(database)() as store:
        failure = store.get(FailedMessage, failure_id)
    if failure is None:
        fail(f"no failed message {failure_id} (see `flowbot failures list`)")
    return failure


@failures_app.command("show")
def show_failure(failure_id: Annotated[int, typer.Argument(help="The failed message's id.")],
                 database: Database = None,
                 report: Annotated[bool, typer.Option(
                     "--report", help="Print the issue body `failures report` would file.")]
                 = False, as_json: AsJson = False) -> None:
    """One failed message: step, error, traceback, the packet (redacted), the flow version."""
    failure = _failure(database, failure_id)
    if as_json:
        typer.echo(json.dumps({
            "id": failure.id, "flow": failure.flow, "version": failure.version,
            "run_id": failure.run_id, "state": failure.state, "packet_key": failure.packet_key,
            "step": failure.unit, "error_type": failure.error_type, "message": failure.message,
            "traceback": failure.traceback, "packet": failure.packet,
            "created_at": as_utc(failure.created_at).isoformat(),
            "issue_url": failure.issue_url}, default=str))
        return
    if report:
        typer.echo(render_failure_report(report_of(failure), traceback=failure.traceback))
        return
    console.print(f"[bold]failed message {failure.id}[/bold] of {failure.flow} "
                  f"(version {failure.version[:12]}, run {failure.run_id}, {failure.state})")
    console.print(f"packet {failure.packet_key}, step {failure.unit}: "
                  f"{failure.error_type}: {failure.message}", highlight=False, markup=False)
    if failure.traceback:
        console.print(failure.traceback, highlight=False, markup=False)
    console.print_json(json.dumps(failure.packet))


@failures_app.command("replay")
def replay_failure(failure_id: Annotated[int, typer.Argument(help="The failed message's id.")],
                   root: Root = Path("."), database: Database = None,
                   simulate: Simulate = False, seed: Seed = 0, secrets: Secrets = None,
                   as_json: AsJson = False) -> None:
    """Run a failed packet again from its failed step, with the current flow code; a packet
    already delivered is never sent again."""
    failure = _failure(database, failure_id)
    session = _open(root, failure.flow, database, simulate, seed, secrets)
    try:
        outcome, result = session.runner.replay(failure_id)
    finally:
        session.close()
    detail = f": {result.error_type}: {result.message}" if result and result.message else ""
    if as_json:
        typer.echo(json.dumps({"id": failure_id, "outcome": outcome,
                               "error_type": result.error_type if result else None,
                               "message": result.message if result else None}))
    else:
        console.print(f"replay of {failure_id}: {outcome}{detail}", highlight=False)
    if outcome not in ("delivered", "skipped", "already_done", "already_resolved"):
        raise typer.Exit(1)


@failures_app.command("report")
def report_failure(failure_id: Annotated[int, typer.Argument(help="The failed message's id.")],
                   repo: Annotated[str, typer.Option(help="owner/name of the repository.")],
                   database: Database = None, as_json: AsJson = False) -> None:
    """File the failed message as a `flow-failure` issue (once), with $GITHUB_TOKEN."""
    require_repository(repo)
    failure = _failure(database, failure_id)
    if failure.issue_url:
        if as_json:
            typer.echo(json.dumps({"id": failure_id, "issue_url": failure.issue_url,
                                   "already_reported": True}))
        else:
            console.print(f"already reported: {failure.issue_url}")
        return
    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        fail(f"set GITHUB_TOKEN to a token that may open issues in {repo} (GITHUB_API_URL "
             "for GitHub Enterprise Server)")
    url = file_issue(failure, repository=repo, token=SecretStr(token),
                     api_url=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    with runtime_store(database).begin() as store:
        row = store.get(FailedMessage, failure_id)
        if row is not None:
            row.issue_url = url
    if as_json:
        typer.echo(json.dumps({"id": failure_id, "issue_url": url, "already_reported": False}))
    else:
        console.print(f"reported: {url}")

