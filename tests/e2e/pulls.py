"""The app's pull request that several end-to-end tests start from."""

from __future__ import annotations

from bot.demo.stories import story_generate
from bot.demo.world import DemoWorld
from bot.doubles.github.state import Issue


def generated_pull(world: DemoWorld) -> Issue:
    """The pull request the generate story opens for the demo's intent issue."""
    generated = story_generate(world)
    assert generated.ok, generated.lines
    pull = generated.pull
    assert pull is not None
    return pull
