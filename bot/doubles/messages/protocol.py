"""The rules of today's Messages API, per model: what a request may ask, how thinking is bound.

Checked against Anthropic's model pages and migration guides (2026-12): Claude Sonnet 5.5 thinks
adaptively by default, accepts `adaptive` and `between_tools` and refuses `disabled`; Claude Opus
5.5 thinks always (`adaptive` only); neither accepts forced tool use (`tool_choice` `tool` or
`any`). Thinking blocks are tied to the model and to the conversation before them: a block whose
text or prefix (system, tools, earlier messages) changed is refused. The simulator signs each
block it issues with an HMAC of the model, that prefix and the text, so an altered or moved block
fails the check exactly where the real API's would; a block the client dropped is caught by
comparing every assistant turn with what was issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

EFFORTS = ("low", "medium", "high", "xhigh", "max")
MAX_CACHE_BREAKPOINTS = 4


@dataclass(frozen=True)
class ModelProfile:
    """What one model accepts."""

    max_output_tokens: int
    thinking_types: frozenset[str]
    """The `thinking.type` values the model accepts."""
    thinks_by_default: bool
    """Whether a request without `thinking` gets thinking blocks."""
    forced_tool_use: bool
    """Whether `tool_choice` of type `tool` or `any` is accepted."""


_CURRENT = ModelProfile(128_000, frozenset({"adaptive", "between_tools"}), True, False)
PROFILES: dict[str, ModelProfile] = {
    "claude-sonnet-5-5": _CURRENT,
    "claude-opus-5-5": ModelProfile(128_000, frozenset({"adaptive"}), True, False),
    "claude-fable-5-1": ModelProfile(128_000, frozenset({"adaptive"}), True, False),
    "claude-haiku-5-5": ModelProfile(128_000, frozenset({"adaptive", "disabled"}), True, True),
}
OLDER = ModelProfile(64_000, frozenset({"adaptive", "enabled", "disabled"}), False, True)
"""Models before the 5.5 generation, as far as the simulator cares."""


def profile(model: str) -> ModelProfile:
    """The rules for `model` (an older model's when it is not one of the current ones)."""
    return PROFILES.get(model, OLDER)


def thinking_on(body: dict[str, Any]) -> bool:
    """Whether the request gets thinking blocks."""
    thinking = body.get("thinking")
    if isinstance(thinking, dict):
        return thinking.get("type") in ("adaptive", "enabled", "between_tools")
    return profile(str(body.get("model"))).thinks_by_default


def prefix_digest(body: dict[str, Any], messages_before: int) -> str:
    """SHA-256 of what comes before a block: the system prompt, the tools and the first
    `messages_before` messages."""
    prefix = {"system": body.get("system"), "tools": body.get("tools"),
              "messages": (body.get("messages") or [])[:messages_before]}
    return hashlib.sha256(json.dumps(unmarked(prefix), sort_keys=True).encode()).hexdigest()


def unmarked(value: Any) -> Any:
    """`value` without cache marks: moving a breakpoint does not change the conversation."""
    if isinstance(value, dict):
        return {k: unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [unmarked(item) for item in value]
    return value


def sign(key: bytes, model: str, prefix: str, thinking: str, position: int) -> str:
    """The signature of a thinking block: model, prefix, place in its turn and text."""
    digest = hmac.new(key, f"{model}\0{prefix}\0{position}\0{thinking}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def request_problems(body: dict[str, Any]) -> list[str]:
    """What the model named in `body` refuses in it (thinking, tool choice, output size,
    cache breakpoints), worded like the API's own messages."""
    model = str(body.get("model"))
    rules = profile(model)
    problems: list[str] = []
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and max_tokens > rules.max_output_tokens:
        problems.append(f"max_tokens: {max_tokens} > {rules.max_output_tokens}, which is the "
                        f"maximum allowed number of output tokens for {model}")
    thinking = body.get("thinking")
    if thinking is not None:
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if kind not in rules.thinking_types:
            accepted = ", ".join(sorted(rules.thinking_types))
            problems.append(f"thinking.type: {kind!r} is not supported on {model}; use one of "
                            f"{accepted}")
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("tool", "any") \
            and not rules.forced_tool_use:
        problems.append(f"tool_choice: forced tool use (type {choice.get('type')!r}) is not "
                        f"supported on {model}; use 'auto' or 'none'")
    output_config = body.get("output_config")
    if isinstance(output_config, dict) and output_config.get("effort") is not None \
            and output_config["effort"] not in EFFORTS:
        problems.append(f"output_config.effort: {output_config['effort']!r} is not one of "
                        f"{', '.join(EFFORTS)}")
    marks = cache_breakpoints(body)
    if marks > MAX_CACHE_BREAKPOINTS:
        problems.append(f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be "
                        f"provided. Found {marks}.")
    return problems


def cache_breakpoints(body: dict[str, Any]) -> int:
    """How many blocks carry `cache_control` (tools, system blocks, message blocks)."""
    blocks: list[Any] = [*(body.get("tools") or [])]
    system = body.get("system")
    if isinstance(system, list):
        blocks += system
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            blocks += content
            blocks += [inner for block in content if isinstance(block, dict)
                       and isinstance(block.get("content"), list) for inner in block["content"]]
    return sum(1 for block in blocks if isinstance(block, dict) and "cache_control" in block)


def thinking_problems(key: bytes, body: dict[str, Any],
                      issued: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Thinking blocks sent back that were altered, moved or dropped.

    `issued` maps each tool_use id the simulator answered with to the whole content of that
    answer: an assistant turn carrying one of those ids must be that content, unchanged.
    """
    problems: list[str] = []
    model = str(body.get("model"))
    messages = body.get("messages") or []
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if message.get("role") != "assistant" or not isinstance(content, list):
            continue
        prefix = prefix_digest(body, index)
        for position, block in enumerate(content):
            if not isinstance(block, dict) or block.get("type") != "thinking":
                continue
            expected = sign(key, model, prefix, str(block.get("thinking", "")), position)
            if not hmac.compare_digest(expected, str(block.get("signature", ""))):
                problems.append(f"messages.{index}.content.{position}: Invalid `signature` in "
                                "`thinking` block: a thinking block must be passed back exactly "
                                "as received, after the same conversation")
        ids = [block.get("id") for block in content
               if isinstance(block, dict) and block.get("type") == "tool_use"]
        original = next((issued[i] for i in ids if i in issued), None)
        if original is None or _canonical(original) == _canonical(content):
            continue
        if original and original[0].get("type") == "thinking" \
                and (not content or content[0].get("type") not in ("thinking",
                                                                     "redacted_thinking")):
            found = content[0].get("type") if content else "nothing"
            problems.append(f"messages.{index}.content.0.type: Expected `thinking` or "
                            f"`redacted_thinking`, but found `{found}`. When `thinking` is "
                            "enabled, a final `assistant` message must start with a thinking "
                            "block (preceding the lastmost set of `tool_use` and `tool_result` "
                            "blocks). To avoid this requirement, pass back the assistant turn "
                            "exactly as received")
        else:
            problems.append(f"messages.{index}: the assistant turn differs from the one the "
                            "model produced; thinking blocks and the blocks around them must "
                            "be passed back unchanged")
    return problems


def _canonical(content: list[dict[str, Any]]) -> str:
    """The blocks as JSON, fields left unset (None) not counted: the SDK's models carry them."""
    return json.dumps([{k: v for k, v in block.items() if v is not None and k != "cache_control"}
                       for block in content], sort_keys=True)
