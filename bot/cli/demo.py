"""`flowbot demo`: the three stories, played on this machine; see `bot.demo`."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from bot.demo.stories import Story, story_generate, story_repair, story_revise
from bot.demo.world import demo_world
from flowkit.sandbox import SandboxUnavailable, run_sandboxed
from flowkit.sandbox.bwrap import SANDBOX_TMP


def _sandbox_ready(console: Console) -> bool:
    try:
        run_sandboxed(["true"], workdir=SANDBOX_TMP, readonly_paths=[])
    except SandboxUnavailable as error:
        console.print(f"[red]The gate's sandbox is not available here:[/red] {error}")
        return False
    return True


def _show(console: Console, story: Story, seconds: float) -> None:
    mark = "[green]✔[/green]" if story.ok else "[red]✘[/red]"
    console.print(f"{mark} {story.title} [dim]({seconds:.1f} s)[/dim]")
    for line in story.lines:
        console.print(f"    {line}", markup=False, highlight=False)


def demo(keep: Annotated[bool, typer.Option(
        "--keep", help="Leave the GitHub simulator running, with a page to look around.")]
         = False) -> None:
    """Play the whole loop locally: issue → PR, /revise → commit, failure → repair PR.

    No credentials and no network: GitHub and the SaaS APIs are local simulators. With
    ANTHROPIC_API_KEY set the model is Claude; without it, a scripted conversation.
    """
    console = Console()
    key = os.environ.get("ANTHROPIC_API_KEY")
    console.print(Panel(
        "The model is [bold]Claude[/bold] (ANTHROPIC_API_KEY is set)." if key else
        "No ANTHROPIC_API_KEY: the model's side is a [bold]scripted conversation[/bold] played "
        "through the local Messages API simulator — written to show the loop, not recorded "
        "from a model. GitHub and the SaaS APIs are local simulators too.",
        title="flowbot demo"))
    if not _sandbox_ready(console):
        raise typer.Exit(1)
    stories: list[Story] = []
    with tempfile.TemporaryDirectory(prefix="flowbot-demo-") as scratch, \
            demo_world(Path(scratch), anthropic_key=key,
                       anthropic_base_url=os.environ.get("ANTHROPIC_BASE_URL")) as world:
        for play in ("generate", "revise", "repair"):
            started = time.perf_counter()
            with console.status(f"playing the {play} story…"):
                if play == "generate":
                    story = story_generate(world)
                elif stories[0].pull is None:
                    break
                elif play == "revise":
                    story = story_revise(world, stories[0].pull)
                else:
                    story = story_repair(world, stories[0].pull)
            stories.append(story)
            _show(console, story, time.perf_counter() - started)
            if not story.ok:
                break
        for story in stories:
            if story.pull is not None:
                console.print(Panel(story.pull.body, title=f"PR #{story.pull.number}: "
                                                           f"{story.pull.title}"),
                              markup=False)
        if keep:
            console.print(f"The GitHub simulator is at {world.github.base_url}/ — Ctrl-C to "
                          "stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    if len(stories) < 3 or not all(story.ok for story in stories):
        raise typer.Exit(1)
