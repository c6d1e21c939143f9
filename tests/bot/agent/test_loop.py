"""The agent loop with the real anthropic client, the Messages API simulator, a real checkout
and the real gate: a made-up operation is caught, the hint is used, the flow passes.

The model's side is scripted (written to show the loop, not recorded from a model).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.agent.catalog_view import catalog_summary
from bot.agent.host import CheckoutHost
from bot.agent.loop import AgentLimits, AgentStatus, run_agent, stable_prefix
from bot.agent.model import ModelCaller, Usage, client
from bot.agent.pricing import DEFAULT_PRICES
from bot.doubles.messages import Error, MessagesSimulator, Reply, tool_reply
from connectors.registry import catalog

REPOSITORY = Path(__file__).resolve().parents[3]
SCENARIO = REPOSITORY / "bot" / "demo" / "scenario"
FOLDER = "flows/stripe_customers_to_hubspot_contacts"
API_KEY = SecretStr("sk-ant-test-0123456789abcdefghij")
MODEL = "claude-sonnet-5-5"
PRICES = DEFAULT_PRICES[MODEL]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A world-readable copy of the repository's code and flows (the sandbox runs as nobody)."""
    root = tmp_path / "checkout"
    root.mkdir()
    root.chmod(0o755)
    for part in ("connectors", "flowkit", "flows"):
        shutil.copytree(REPOSITORY / part, root / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    return root


def _scenario(name: str) -> str:
    return (SCENARIO / name).read_text()


def _last_result(request: dict[str, Any]) -> str:
    blocks = request["messages"][-1]["content"]
    return "\n".join(str(b.get("content")) for b in blocks if b.get("type") == "tool_result")


def _writes() -> list[Reply]:
    files = {"spec.yaml": _scenario("spec.yaml"), "flow.py": _scenario("flow_attempt_1.py"),
             "test_flow.py": _scenario("test_flow.py"),
             "fixtures/customer.json": _scenario("fixtures/customer.json"),
             "fixtures/customer_without_email.json":
                 _scenario("fixtures/customer_without_email.json")}
    return [tool_reply("write_file", {"path": f"{FOLDER}/{name}", "content": text})
            for name, text in files.items()]


@pytest.fixture
def simulator() -> Iterator[tuple[MessagesSimulator, str]]:
    simulator = MessagesSimulator()
    with simulator.serve() as base_url:
        yield simulator, base_url


def _fix_after_hint(request: dict[str, Any]) -> Reply:
    result = _last_result(request)
    assert "FK302" in result
    assert "did you mean" in result
    assert "crm.contacts.upsert" in result
    return tool_reply("write_file", {"path": f"{FOLDER}/flow.py",
                                     "content": _scenario("flow_attempt_2.py")},
                      thought="The gate says upsert_by_email does not exist; use upsert.")


@pytest.mark.sandbox
def test_a_made_up_operation_is_caught_and_fixed_from_the_hint(
        checkout: Path, simulator: tuple[MessagesSimulator, str], bwrap_path: str) -> None:
    sim, base_url = simulator
    sim.script.add(
        Error(529), Error(529),  # overloaded twice: the SDK retries, the loop never sees it
        tool_reply("read_file", {"path": "flows/shopify_orders_to_hubspot_deals/flow.py"}),
        *_writes(),
        tool_reply("write_file", {"path": ".github/workflows/ci.yml", "content": "x"}),
        tool_reply("run_gate", {}),
        _fix_after_hint,
        tool_reply("finish", {"summary": "Stripe customers upserted into HubSpot by email."}))
    usage = Usage(token_budget=500_000)
    caller = ModelCaller(client(API_KEY, base_url=base_url, max_retries=3), MODEL, usage,
                         PRICES)
    host = CheckoutHost(checkout, FOLDER)

    result = run_agent(host, caller, system=stable_prefix("You write flows.",
                                                          catalog_summary(catalog())),
                       task="<untrusted kind=\"issue_body\">Sync Stripe customers into "
                            "HubSpot contacts</untrusted>",
                       limits=AgentLimits(max_gate_attempts=3))

    assert sim.violations == []
    assert (result.status, result.attempts) == (AgentStatus.PASSED, 2)
    assert result.summary == "Stripe customers upserted into HubSpot by email."
    assert (checkout / FOLDER / "flow.py").read_text() == _scenario("flow_attempt_2.py")
    assert not (checkout / ".github").exists()  # the write outside the folder was refused
    statuses = [call.status for call in sim.calls]
    assert statuses[:3] == [529, 529, 200]
    answered = [call for call in sim.calls if call.status == 200]
    systems = {str(call.body["system"]) for call in answered}
    assert len(systems) == 1  # the prefix is byte-identical on every call
    assert all(call.cached_prefix != "" for call in answered)
    assert usage.calls[0].cache_creation_tokens > 0
    assert all(call.cache_read_tokens > 0 for call in usage.calls[1:])
    # every request after the first carries the earlier turns' thinking blocks, signed
    assert all(any(block["type"] == "thinking" for message in call.body["messages"]
                   if message["role"] == "assistant" for block in message["content"])
               for call in answered[1:])
    assert all(API_KEY.get_secret_value() not in str(call.body) for call in sim.calls)


@pytest.mark.sandbox
def test_a_model_that_never_gets_it_right_stops_at_the_attempt_limit(
        checkout: Path, simulator: tuple[MessagesSimulator, str], bwrap_path: str) -> None:
    sim, base_url = simulator
    sim.script.add(*_writes(), *[tool_reply("run_gate", {}) for _ in range(2)])
    caller = ModelCaller(client(API_KEY, base_url=base_url), MODEL,
                         Usage(token_budget=500_000), PRICES)

    result = run_agent(CheckoutHost(checkout, FOLDER), caller,
                       system=stable_prefix("You write flows.", catalog_summary(catalog())),
                       task="Sync customers", limits=AgentLimits(max_gate_attempts=2))

    assert (result.status, result.attempts) == (AgentStatus.GAVE_UP, 2)
    assert result.last_gate is not None
    assert "FK302" in result.last_gate.report
    assert sim.violations == []


def test_the_token_budget_stops_the_loop_before_a_call_it_cannot_afford(
        checkout: Path, simulator: tuple[MessagesSimulator, str]) -> None:
    sim, base_url = simulator
    sim.script.add(*[tool_reply("list_files", {"path": "flows"}) for _ in range(5)])
    usage = Usage(token_budget=10_000)
    caller = ModelCaller(client(API_KEY, base_url=base_url), MODEL, usage, PRICES)

    result = run_agent(CheckoutHost(checkout, FOLDER), caller,
                       system=stable_prefix("You write flows.", catalog_summary(catalog())),
                       task="Sync customers")

    assert result.status is AgentStatus.OUT_OF_BUDGET
    assert "budget of 10,000 tokens is spent" in result.reason

    spent_before_last = sum(c.input_tokens + c.output_tokens + c.cache_creation_tokens
                            + c.cache_read_tokens for c in usage.calls[:-1])
    assert spent_before_last < 10_000 <= usage.tokens  # the last call was affordable when made
    assert len(sim.calls) == len(usage.calls) < 5  # and no call was made after the budget went
