"""The Messages API simulator holds today's protocol, per model, through the real anthropic client.

Thinking blocks come signed and must come back unchanged; each model refuses what the real one
refuses (disabled thinking, forced tool use, too many output tokens, a fifth cache breakpoint);
a test can choose `max_tokens` or `refusal`; answers stream as the SDK expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from pydantic import SecretStr

from bot.agent.loop import assistant_turn
from bot.agent.model import client
from bot.doubles.messages import MessagesSimulator, Reply, refusal_reply, tool_reply

MODEL = "claude-sonnet-5-5"
TOOLS: list[Any] = [{"name": "write_file", "description": "Write a file.",
                     "input_schema": {"type": "object",
                                      "properties": {"path": {"type": "string"},
                                                     "content": {"type": "string"}}}}]
QUESTION: list[Any] = [{"role": "user", "content": "Write the flow."}]


@pytest.fixture
def sim() -> Iterator[tuple[MessagesSimulator, anthropic.Anthropic]]:
    simulator = MessagesSimulator()
    with simulator.serve() as base_url:
        yield simulator, client(SecretStr("sk-ant-test-0123456789abcdefghij"),
                                base_url=base_url, max_retries=0)


def _first_turn(api: anthropic.Anthropic, simulator: MessagesSimulator,
                **options: Any) -> list[Any]:
    """The conversation after one tool call and its result."""
    simulator.script.add(tool_reply("write_file", {"path": "a", "content": "x"},
                                    thought="I will write the file."))
    message = api.messages.create(model=MODEL, max_tokens=4096, tools=TOOLS,
                                  messages=QUESTION, **options)
    [use] = [block for block in message.content if block.type == "tool_use"]
    return [*QUESTION, assistant_turn(message),
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                          "content": "wrote a"}]}]


def test_thinking_comes_signed_and_passes_back(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    conversation = _first_turn(api, simulator, thinking={"type": "adaptive",
                                                         "display": "summarized"})
    thinking = conversation[1]["content"][0]
    assert (thinking["type"], thinking["thinking"]) == ("thinking", "I will write the file.")
    assert thinking["signature"]
    simulator.script.add(Reply([{"type": "text", "text": "Done."}]))

    answer = api.messages.create(model=MODEL, max_tokens=4096, tools=TOOLS,
                                 messages=conversation)

    assert answer.content[-1].type == "text"
    assert simulator.violations == []


def test_a_client_that_drops_a_thinking_block_gets_the_400(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    conversation = _first_turn(api, simulator)
    conversation[1]["content"] = [b for b in conversation[1]["content"]
                                  if b["type"] != "thinking"]

    with pytest.raises(anthropic.BadRequestError) as refused:
        api.messages.create(model=MODEL, max_tokens=4096, tools=TOOLS, messages=conversation)

    assert refused.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`" \
        in str(refused.value)


@pytest.mark.parametrize("change", ["thinking text", "earlier message"])
def test_an_altered_thinking_block_or_prefix_gets_the_400(
        sim: tuple[MessagesSimulator, anthropic.Anthropic], change: str) -> None:
    simulator, api = sim
    conversation = _first_turn(api, simulator, thinking={"type": "adaptive",
                                                         "display": "summarized"})
    if change == "thinking text":
        conversation[1]["content"][0]["thinking"] += " And more."
    else:
        conversation[0] = {"role": "user", "content": "Write a different flow."}

    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature`"):
        api.messages.create(model=MODEL, max_tokens=4096, tools=TOOLS, messages=conversation)


@pytest.mark.parametrize(("model", "options", "refusal"), [
    ("claude-sonnet-5-5", {"thinking": {"type": "disabled"}}, "thinking.type: 'disabled'"),
    ("claude-opus-5-5", {"thinking": {"type": "between_tools"}}, "is not supported"),
    ("claude-sonnet-5-5", {"tool_choice": {"type": "tool", "name": "write_file"}},
     "forced tool use"),
    ("claude-opus-5-5", {"tool_choice": {"type": "any"}}, "forced tool use"),
    ("claude-sonnet-5-5", {"max_tokens": 200_000}, "maximum allowed number of output tokens"),
    ("claude-sonnet-5-5", {"output_config": {"effort": "extreme"}}, "output_config.effort"),
])
def test_each_model_refuses_what_the_real_one_refuses(
        sim: tuple[MessagesSimulator, anthropic.Anthropic], model: str,
        options: dict[str, Any], refusal: str) -> None:
    _simulator, api = sim
    arguments: dict[str, Any] = {"max_tokens": 4096, **options}

    with pytest.raises(anthropic.BadRequestError, match=refusal):
        api.messages.create(model=model, tools=TOOLS, messages=QUESTION, **arguments)


def test_an_older_model_still_accepts_what_it_accepted(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    simulator.script.add(tool_reply("write_file", {"path": "a", "content": "x"}))

    message = api.messages.create(model="claude-opus-4-6", max_tokens=4096, tools=TOOLS,
                                  messages=QUESTION, thinking={"type": "disabled"},
                                  tool_choice={"type": "any"})

    assert [block.type for block in message.content] == ["tool_use"]


def test_a_fifth_cache_breakpoint_gets_the_400(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    _simulator, api = sim
    mark: Any = {"type": "ephemeral"}
    system: Any = [{"type": "text", "text": f"part {i}", "cache_control": mark}
                   for i in range(5)]

    with pytest.raises(anthropic.BadRequestError, match=r"A maximum of 4 blocks with "
                                                        r"cache_control may be provided\. Found 5"):
        api.messages.create(model=MODEL, max_tokens=4096, system=system, messages=QUESTION)


def test_a_test_chooses_max_tokens_and_the_answer_is_cut(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    whole = "x = 1\n" * 200
    cut = tool_reply("write_file", {"path": "flow.py", "content": whole})
    simulator.script.add(Reply(cut.content, stop_reason="max_tokens", thinking="Writing."))

    with api.messages.stream(model=MODEL, max_tokens=4096, tools=TOOLS,
                             messages=QUESTION) as stream:
        message = stream.get_final_message()

    assert message.stop_reason == "max_tokens"
    [use] = [block for block in message.content if block.type == "tool_use"]
    assert isinstance(use.input, dict)
    # the SDK parses the cut-off JSON partially: the unfinished string is not there at all
    assert use.input.get("content") != whole


def test_an_answer_longer_than_max_tokens_is_cut_by_the_limit(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    simulator.script.add(tool_reply("write_file", {"path": "flow.py", "content": "y" * 40_000}))

    message = api.messages.create(model=MODEL, max_tokens=2_000, tools=TOOLS,
                                  messages=QUESTION)

    assert (message.stop_reason, message.usage.output_tokens) == ("max_tokens", 2_000)


def test_a_refusal_carries_its_stop_details_when_streamed(
        sim: tuple[MessagesSimulator, anthropic.Anthropic]) -> None:
    simulator, api = sim
    simulator.script.add(refusal_reply())

    with api.messages.stream(model=MODEL, max_tokens=4096, messages=QUESTION,
                             thinking={"type": "adaptive"},
                             output_config={"effort": "high"}) as stream:
        message = stream.get_final_message()

    assert message.stop_reason == "refusal"
    assert message.stop_details is not None
    assert message.stop_details.type == "refusal"
    assert message.content[0].type == "thinking"
