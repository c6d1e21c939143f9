"""`flowbot eval`: how well the configured model answers integration requests; see `bot.eval`."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.demo.world import demo_world
from bot.eval.check import check_task
from bot.eval.harness import EvalReport, TaskResult, run_eval
from bot.eval.scripted import SCRIPTED
from bot.eval.task import Task, TaskError, load_tasks
from bot.settings import DEFAULT_MODEL

TaskOption = Annotated[list[str] | None, typer.Option(
    "--task", help="Run only this task (by folder name); repeat for several.")]


def _tasks(console: Console, only: list[str] | None) -> list[Task]:
    try:
        return load_tasks(only=only)
    except TaskError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


def _table(report: EvalReport) -> Table:
    table = Table(title=f"flowbot eval — {report.model}" + (
        f" (scripted model '{report.scripted}'; tokens counted by the Messages API simulator)"
        if report.scripted else ""))
    numbers = ("gate attempts", "tokens", "first request", "cached", "cost $", "wall s")
    for column in ("task", "solved", "outcome", *numbers):
        table.add_column(column, overflow="fold",
                         justify="right" if column in numbers else "left")
    for r in report.results:
        table.add_row(r.task, "✔" if r.solved else "✘", r.outcome, str(r.attempts),
                      f"{r.input_tokens + r.output_tokens:,}", f"{r.first_request_tokens:,}",
                      f"{r.cached_share:.0%}", f"{r.cost_usd:.4f}", f"{r.wall_s:.1f}")
    summary = report.to_json()
    table.add_section()
    table.add_row("pass@1", f"{report.pass_at_1:.0%}", f"{summary['solved']} of "
                  f"{summary['total']} solved", "", f"{summary['tokens']:,}",
                  f"{summary['first_request_tokens']:,}", f"{summary['cached_share']:.0%}",
                  f"{summary['cost_usd']:.4f}", f"{summary['wall_s']:.1f}")
    return table


def evaluate(
    only: TaskOption = None,
    scripted: Annotated[str | None, typer.Option(
        "--scripted", help="Play a scripted model instead of Claude, to see the harness work "
                           f"offline: {', '.join(SCRIPTED)}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds one task's job may take.")] = 900.0,
) -> None:
    """Run the generate job on every eval task and score the pull requests it opens.

    Each task is an integration request plus acceptance tests the model never sees. A task is
    solved when its pull request passes the gate and the acceptance tests pass on the flow in
    it (run in the sandbox against the connector simulators). The model is Claude
    (ANTHROPIC_API_KEY, FLOWBOT_MODEL); GitHub and the SaaS APIs are local simulators. Prints a
    table (or --json): solved, gate attempts, tokens, cost and wall time per task, and pass@1.
    """
    console = Console(stderr=as_json)
    key = os.environ.get("ANTHROPIC_API_KEY")
    if scripted is not None and scripted not in SCRIPTED:
        console.print(f"[red]--scripted {scripted}: no such scripted model; the scripted "
                      f"models are {', '.join(SCRIPTED)}[/red]")
        raise typer.Exit(2)
    if scripted is None and not key:
        console.print("[red]flowbot eval measures a model, and ANTHROPIC_API_KEY is not set.[/red]"
                      " Set it (and FLOWBOT_MODEL to choose the model), or pass --scripted "
                      "correct to watch the harness score a scripted answer offline.")
        raise typer.Exit(2)
    tasks = _tasks(console, only)
    model = os.environ.get("FLOWBOT_MODEL") or DEFAULT_MODEL
    console.print(f"Model: {model}" if scripted is None else
                  f"Scripted model '{scripted}' — not a model: it plays written answers "
                  "through the local Messages API simulator.")

    def progress(task: Task, result: TaskResult) -> None:
        mark = "[green]✔[/green]" if result.solved else "[red]✘[/red]"
        console.print(f"{mark} {task.id}: {result.outcome} ({result.wall_s:.1f} s)")

    with tempfile.TemporaryDirectory(prefix="flowbot-eval-") as scratch_name:
        scratch = Path(scratch_name)
        scratch.chmod(0o755)
        with console.status(f"running {len(tasks)} tasks…"), demo_world(
                scratch / "world", anthropic_key=None if scripted else key,
                anthropic_base_url=os.environ.get("ANTHROPIC_BASE_URL"),
                model_name=model) as world:
            (scratch / "judged").mkdir(mode=0o755)
            results = run_eval(world, tasks, scratch / "judged",
                               policy_for=SCRIPTED[scripted] if scripted else None,
                               timeout=timeout, progress=progress)
    report = EvalReport(model, scripted, results)
    if as_json:
        typer.echo(json.dumps(report.to_json()))
    else:
        console.print(_table(report))
        for result in report.results:
            for failure in result.failures:
                console.print(f"  {result.task}: {failure}", markup=False, highlight=False)


def check(only: TaskOption = None) -> None:
    """Check the eval's tasks themselves, without a model.

    Every reference answer must pass the gate and its acceptance tests, and every planted
    mistake must pass the gate but fail them; exit 1 names the tasks that do not.
    """
    console = Console()
    tasks = _tasks(console, only)
    bad = 0
    with tempfile.TemporaryDirectory(prefix="flowbot-eval-check-") as scratch_name:
        scratch = Path(scratch_name)
        scratch.chmod(0o755)
        for task in tasks:
            started = time.perf_counter()
            with console.status(f"checking {task.id}…"):
                problems = check_task(task, scratch / task.id).problems
            seconds = time.perf_counter() - started
            if problems:
                bad += 1
                console.print(f"[red]✘[/red] {task.id} ({seconds:.1f} s)")
                for problem in problems:
                    console.print(f"    {problem}", markup=False, highlight=False)
            else:
                console.print(f"[green]✔[/green] {task.id} ({seconds:.1f} s)")
    if bad:
        raise typer.Exit(1)
