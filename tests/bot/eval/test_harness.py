"""The eval harness scores what it claims: it is run over every task with three scripted models.

The correct one must solve every task, the one that never gets it right must solve none, and
the one that passes the gate with a planted mistake must be caught by the acceptance tests.
One world (the GitHub simulator, the app, the worker, the Messages API simulator) serves all
three, as it does for `flowbot eval`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.world import DemoWorld, demo_world
from bot.doubles.messages import Reply
from bot.eval.harness import EvalReport, TaskResult, run_eval, run_task
from bot.eval.scripted import correct, fools_gate, never
from bot.eval.task import load_tasks

pytestmark = pytest.mark.sandbox
TASKS = load_tasks()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    scratch = tmp_path_factory.mktemp("eval")
    scratch.chmod(0o755)
    with demo_world(scratch / "world") as started:
        yield started


def judged(world: DemoWorld, name: str) -> Path:
    folder = world.scratch / f"judged-{name}"
    folder.mkdir(mode=0o755)
    return folder


@pytest.mark.timeout(900)
def test_the_correct_model_solves_every_task(world: DemoWorld) -> None:
    results = run_eval(world, TASKS, judged(world, "correct"), policy_for=correct)

    unsolved = {r.task: (r.outcome, r.failures) for r in results if not r.solved}
    assert unsolved == {}
    assert all(r.attempts == 1 and r.acceptance_failed == 0 and r.acceptance_passed >= 2
               for r in results)
    assert all(r.input_tokens > 0 and r.output_tokens > 0 and r.cost_usd > 0 for r in results)
    assert EvalReport("claude-sonnet-5-5", "correct", results).pass_at_1 == 1.0


@pytest.mark.timeout(600)
def test_the_model_that_never_gets_it_right_solves_nothing(world: DemoWorld) -> None:
    # Three tasks show the harness's count; every task's own answers are checked by the
    # correct and the fooling models above and below.
    results = run_eval(world, TASKS[:3], judged(world, "never"), policy_for=never)

    assert [r.task for r in results if r.solved] == []
    assert {r.outcome for r in results} == {"the gate still failed after the last attempt"}
    assert all(r.attempts == 4 and r.acceptance_passed == 0 for r in results)
    assert EvalReport("claude-sonnet-5-5", "never", results).pass_at_1 == 0.0


@pytest.mark.timeout(900)
def test_the_model_that_fools_the_gate_is_caught_by_the_acceptance_tests(
        world: DemoWorld) -> None:
    seen: list[TaskResult] = []
    results = run_eval(world, TASKS, judged(world, "fool"), policy_for=fools_gate,
                       progress=lambda task, result: seen.append(result))

    assert [r.task for r in results if not r.gate_passed] == []
    assert [r.task for r in results if r.solved] == []
    assert all(r.acceptance_failed >= 1 and r.failures for r in results)
    assert all(r.outcome.startswith("acceptance failed") for r in results)
    assert seen == results


@pytest.mark.timeout(300)
def test_a_task_that_runs_too_long_is_cut_off_and_the_next_one_still_runs(
        world: DemoWorld) -> None:
    [slow_task, next_task] = TASKS[:2]
    release = threading.Event()

    def stuck(request: dict[str, Any]) -> Reply:
        release.wait(60)
        return correct(slow_task)(request)

    slow = run_task(world, slow_task, judged(world, "slow"), policy=stuck, timeout=3)
    release.set()
    after = run_task(world, next_task, judged(world, "after"), policy=correct(next_task))

    assert slow.outcome.startswith("timed out: the job ran past the eval's limit (3 s)")
    assert not slow.solved
    assert after.solved, after.outcome


def test_the_report_adds_up() -> None:
    results = [TaskResult("a", True, "solved", True, 1, 100, 10, 0.5, 2.0),
               TaskResult("b", False, "no pull request", False, 0, 50, 5, 0.25, 1.0)]

    summary = EvalReport("claude-sonnet-5-5", None, results).to_json()

    assert (summary["solved"], summary["total"], summary["pass_at_1"]) == (1, 2, 0.5)
    assert (summary["tokens"], summary["cost_usd"], summary["wall_s"]) == (165, 0.75, 3.0)
    assert summary["tasks"][1]["outcome"] == "no pull request"
