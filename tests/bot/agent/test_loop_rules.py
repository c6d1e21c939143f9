"""The loop's own rules, on a host without a sandbox, through the real client and simulator.

Whatever a host reports, only a clean run of the whole gate ends a job as passed; an answer cut
at max_tokens is never carried out; a refusal stops the job; dollars and time end it like
tokens; thinking goes back unchanged and the cache marks move without passing four.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentLimits, AgentStatus, run_agent, stable_prefix
from bot.agent.model import ModelCaller, Thinking, Usage, client
from bot.agent.pricing import DEFAULT_PRICES
from bot.agent.tools import GateRun, ToolRefused, run_tool
from bot.doubles.messages import MessagesSimulator, Reply, refusal_reply, tool_reply
from bot.doubles.messages.protocol import cache_breakpoints

FOLDER = "flows/new_flow"
MODEL = "claude-sonnet-5-5"
SPEC = "spec.yaml"


@dataclass
class FakeHost:
    """An AgentHost over a dict, whose gate says what the test wants."""

    gate: GateRun
    flow_folder: str = FOLDER
    files: dict[str, str] = field(default_factory=dict)
    gate_runs: int = 0

    def read_file(self, path: str) -> str:
        if path not in self.files:
            raise ToolRefused(f"{path}: no such file")
        return self.files[path]

    def list_files(self, path: str) -> list[str]:
        return sorted(name for name in self.files if name.startswith(path))

    def write_file(self, path: str, content: str) -> None:
        if not path.startswith(f"{FOLDER}/"):
            raise ToolRefused(f"{path}: you may only write inside {FOLDER}/")
        self.files[path] = content

    def run_gate(self) -> GateRun:
        self.gate_runs += 1
        return self.gate

    def check_static(self) -> GateRun:
        return GateRun(True, "clean (stages 1, 2, 3, 4)", full=False)

    def catalog_details(self, name: str) -> str:
        return "{}"


@pytest.fixture
def sim() -> Iterator[tuple[MessagesSimulator, str]]:
    simulator = MessagesSimulator()
    with simulator.serve() as base_url:
        yield simulator, base_url


def _caller(base_url: str, usage: Usage | None = None) -> ModelCaller:
    return ModelCaller(client(SecretStr("sk-ant-test-0123456789abcdefghij"), base_url=base_url),
                       MODEL, usage or Usage(token_budget=1_000_000), DEFAULT_PRICES[MODEL],
                       Thinking("adaptive", "medium"))


def _run(host: FakeHost, base_url: str, usage: Usage | None = None, turns: int = 12) -> Any:
    return run_agent(host, _caller(base_url, usage), system=stable_prefix("Write flows.",
                                                                          "catalog " * 400),
                     task="Sync customers", limits=AgentLimits(max_gate_attempts=3,
                                                               max_turns=turns))


def test_a_partial_gate_run_never_ends_a_job_as_passed(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    host = FakeHost(GateRun(True, "clean: stages 1, 2, 3, 4 passed", full=False))
    simulator.script.add(*[tool_reply("finish", {"summary": "done"}) for _ in range(4)])

    result = _run(host, base_url, turns=4)

    assert result.status is AgentStatus.GAVE_UP
    assert host.gate_runs == 4
    assert result.attempts == 0
    last_results = simulator.calls[-1].body["messages"][-1]["content"]
    assert "only a clean full run ends the job" in last_results[0]["content"]
    assert simulator.violations == []


def test_a_clean_full_gate_ends_it_and_thinking_round_trips(
        sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    host = FakeHost(GateRun(True, "clean: stages 1, 2, 3, 4, 5 passed"))
    simulator.script.add(tool_reply("write_file", {"path": f"{FOLDER}/notes.md", "content": "x"}),
                         tool_reply("run_gate", {}), tool_reply("finish", {"summary": "done"}))

    result = _run(host, base_url)

    assert (result.status, result.attempts, host.gate_runs) == (AgentStatus.PASSED, 1, 1)
    assert simulator.violations == []
    bodies = [call.body for call in simulator.calls]
    assert all(body["thinking"] == {"type": "adaptive"} for body in bodies)
    assert all(body["output_config"] == {"effort": "medium"} for body in bodies)
    assert all(body["stream"] is True and body["max_tokens"] == 32_000 for body in bodies)
    assert all(cache_breakpoints(body) <= 3 for body in bodies)
    last = bodies[-1]["messages"]
    assert [m["content"][0]["type"] for m in last if m["role"] == "assistant"] == \
        ["thinking", "thinking"]


def test_an_answer_cut_at_max_tokens_is_never_written(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    host = FakeHost(GateRun(True, "clean"))
    whole = "print('a long file')\n" * 100
    write = tool_reply("write_file", {"path": f"{FOLDER}/notes.md", "content": whole})
    simulator.script.add(Reply(write.content, stop_reason="max_tokens", thinking="Writing."),
                         tool_reply("write_file", {"path": f"{FOLDER}/notes.md",
                                                   "content": "short"}),
                         tool_reply("run_gate", {}), tool_reply("finish", {"summary": "ok"}))

    result = _run(host, base_url)

    assert result.status is AgentStatus.PASSED
    assert host.files == {f"{FOLDER}/notes.md": "short"}
    told = simulator.calls[1].body["messages"][-1]["content"][0]
    assert told["is_error"] is True
    assert "output limit (max_tokens)" in told["content"]
    assert simulator.violations == []


def test_repeated_cut_answers_stop_the_job(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    write = tool_reply("write_file", {"path": f"{FOLDER}/notes.md", "content": "x" * 4000})
    simulator.script.add(*[Reply(write.content, stop_reason="max_tokens") for _ in range(3)])

    result = _run(FakeHost(GateRun(True, "clean")), base_url)

    assert result.status is AgentStatus.GAVE_UP
    assert "reached the output limit" in result.reason


def test_a_refusal_stops_the_job(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    simulator.script.add(refusal_reply("I can't help with that."))

    result = _run(FakeHost(GateRun(True, "clean")), base_url)

    assert result.status is AgentStatus.REFUSED
    assert len(simulator.calls) == 1


def test_the_dollar_budget_ends_the_job(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    simulator.script.add(*[tool_reply("list_files", {"path": FOLDER}) for _ in range(10)])
    usage = Usage(token_budget=10_000_000, dollar_budget=0.001)

    result = _run(FakeHost(GateRun(True, "clean")), base_url, usage)

    assert result.status is AgentStatus.OUT_OF_BUDGET
    assert "budget of US$0.0010 is spent" in result.reason
    assert usage.cost_usd >= 0.001 > sum(call.cost_usd for call in usage.calls[:-1])


def test_the_deadline_ends_the_job(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    usage = Usage(token_budget=10_000_000, deadline=time.monotonic() - 1)

    result = _run(FakeHost(GateRun(True, "clean")), base_url, usage)

    assert (result.status, result.reason) == (AgentStatus.OUT_OF_BUDGET,
                                              "the job's time is up (its wall-clock deadline "
                                              "passed)")
    assert simulator.calls == []


def test_cache_reads_grow_along_the_conversation(sim: tuple[MessagesSimulator, str]) -> None:
    simulator, base_url = sim
    simulator.script.add(*[tool_reply("list_files", {"path": FOLDER}) for _ in range(4)],
                         tool_reply("run_gate", {}), tool_reply("finish", {"summary": "ok"}))
    usage = Usage(token_budget=1_000_000)

    _run(FakeHost(GateRun(True, "clean")), base_url, usage)

    reads = [call.cache_read_tokens for call in usage.calls]
    assert reads[0] == 0
    assert all(b > a for a, b in itertools.pairwise(reads))


def test_edit_file_replaces_one_exact_piece_and_reads_show_line_numbers(tmp_path: Path) -> None:
    (tmp_path / FOLDER).mkdir(parents=True)
    (tmp_path / FOLDER / "notes.md").write_text("one\ntwo\nthree\n")
    host = CheckoutHost(tmp_path, FOLDER)

    read = run_tool(host, "read_file", {"path": f"{FOLDER}/notes.md"})
    edited = run_tool(host, "edit_file", {"path": f"{FOLDER}/notes.md", "old_text": "two",
                                          "new_text": "2"})
    ambiguous = run_tool(host, "edit_file", {"path": f"{FOLDER}/notes.md", "old_text": "e",
                                             "new_text": "E"})

    assert "1  one\n2  two\n3  three" in read.content
    assert read.content.startswith('<untrusted kind="file">')
    assert (edited.content, edited.wrote) == (f"edited {FOLDER}/notes.md at line 2", True)
    assert (tmp_path / FOLDER / "notes.md").read_text() == "one\n2\nthree\n"
    assert ambiguous.is_error
    assert "occurs 3 times" in ambiguous.content


def test_a_write_of_flow_code_comes_back_with_stages_1_to_4(tmp_path: Path) -> None:
    spec = (Path(__file__).resolve().parents[3] / "flows" / "shopify_orders_to_hubspot_deals"
            / SPEC).read_text()
    host = CheckoutHost(tmp_path, "flows/shopify_orders_to_hubspot_deals")

    run_tool(host, "write_file", {"path": f"{host.flow_folder}/{SPEC}", "content": spec})
    outcome = run_tool(host, "write_file", {
        "path": f"{host.flow_folder}/flow.py",
        "content": "import os\nfrom flowkit import Flow\nflow = Flow('x')\n"})

    assert outcome.gate is not None
    assert outcome.gate.full is False
    assert outcome.is_error
    assert "FK201" in outcome.content
    assert "stages 1-4 report (not an attempt):\n<untrusted kind=\"gate_report\">" \
        in outcome.content


def test_files_not_written_yet_are_not_findings_after_a_write(tmp_path: Path) -> None:
    spec = (Path(__file__).resolve().parents[3] / "flows" / "shopify_orders_to_hubspot_deals"
            / SPEC).read_text()
    host = CheckoutHost(tmp_path, "flows/shopify_orders_to_hubspot_deals")

    outcome = run_tool(host, "write_file", {"path": f"{host.flow_folder}/{SPEC}",
                                            "content": spec})

    assert not outcome.is_error
    assert outcome.content.endswith("stages 1-4 pass so far (3 file(s) of the flow still to "
                                    "write)")
