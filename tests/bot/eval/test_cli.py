"""`flowbot eval` from the command line: clear refusals, one JSON object with --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.doubles.messages import MessagesSimulator
from bot.eval.scripted import correct
from bot.eval.task import TASKS, load_task


def flowbot(*arguments: str, key: str | None = None,
            base_url: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")}
    if key:
        environment["ANTHROPIC_API_KEY"] = key
    if base_url:
        environment["ANTHROPIC_BASE_URL"] = base_url
    completed = subprocess.run([sys.executable, "-m", "bot.cli", *arguments],
                               capture_output=True, text=True, env=environment, timeout=600,
                               check=False)
    # rich wraps long lines at the terminal's width
    return subprocess.CompletedProcess(completed.args, completed.returncode,
                                       " ".join(completed.stdout.split()), completed.stderr)


def test_without_a_key_or_a_scripted_model_it_says_what_to_do() -> None:
    completed = flowbot("eval")

    assert completed.returncode == 2
    assert "ANTHROPIC_API_KEY is not set" in completed.stdout
    assert "--scripted correct" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr


def test_an_unknown_task_or_scripted_model_is_refused_by_name() -> None:
    unknown_task = flowbot("eval", "--scripted", "correct", "--task", "nope")
    unknown_model = flowbot("eval", "--scripted", "genius")

    assert unknown_task.returncode == 2
    assert "no task called nope" in unknown_task.stdout
    assert unknown_model.returncode == 2
    assert "no such scripted model; the scripted models are correct, never, fools-gate" in \
        unknown_model.stdout


@pytest.mark.sandbox
def test_json_output_is_one_object_and_says_the_model_was_scripted() -> None:
    completed = flowbot("eval", "--scripted", "correct", "--json",
                        "--task", "shopify_customers_to_hubspot_contacts")

    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)  # one object, nothing else on stdout
    assert report["scripted"] == "correct"
    assert (report["solved"], report["total"], report["pass_at_1"]) == (1, 1, 1.0)
    [task] = report["tasks"]
    assert task["task"] == "shopify_customers_to_hubspot_contacts"
    assert task["attempts"] == 1
    assert "not a model" in completed.stderr


@pytest.mark.sandbox
def test_with_a_key_the_eval_asks_the_endpoint_the_environment_names() -> None:
    task = "shopify_customers_to_hubspot_contacts"
    endpoint = MessagesSimulator()
    endpoint.script.play(correct(load_task(TASKS / task)))
    key = "sk-ant-eval-test-key-not-real"

    with endpoint.serve() as base_url:
        completed = flowbot("eval", "--json", "--task", task, key=key, base_url=base_url)

    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["scripted"] is None
    assert (report["solved"], report["pass_at_1"]) == (1, 1.0)
    assert "Model: claude-sonnet-5-5" in completed.stderr
    assert len(endpoint.calls) >= 2
    assert endpoint.violations == []
    assert key not in completed.stdout + completed.stderr
