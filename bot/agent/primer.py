"""What a first attempt needs to know, rendered once and cached with the prompt prefix.

One complete example flow (spec, flow, test), the spec's fields with their rules, the gate's
rules, the FlowTest and simulator methods a test seeds data with, the standard-library modules a
flow may import, and how cursors, re-reads and the ledger work (`prompts/primer.md`). Everything
is generated from the app's own code and files — the installed flowkit, connectors and example
flow — in a fixed order, so the bytes are the same on every call of every job of one release
and the prompt cache holds.
"""

from __future__ import annotations

import inspect
import json
from functools import cache
from typing import Any

from bot.agent.prompts import PROMPTS, render
from bot.resources import EXAMPLE_FLOW, example_flow
from connectors.core.simulator import Simulator
from connectors.registry import SIMULATORS, TEST_DATABASES, _load
from flowkit.spec import FlowSpec
from flowkit.testing import FlowTest
from flowkit.validator.findings import RULES
from flowkit.validator.stage_imports import SAFE_STDLIB

EXAMPLE_FILES = ("spec.yaml", "flow.py", "test_flow.py")


def _example() -> str:
    folder = example_flow()
    parts = [f"### {EXAMPLE_FLOW}/{name}\n```\n"
             f"{(folder / name).read_text(encoding='utf-8').rstrip()}\n```"
             for name in EXAMPLE_FILES]
    return "\n\n".join(parts)


def _spec_fields() -> str:
    schema = FlowSpec.model_json_schema()
    required = set(schema.get("required", []))
    lines = []
    for name, field in schema["properties"].items():
        description = field.get("description", "")
        limits = {k: v for k, v in field.items() if k in ("minLength", "maxLength", "minItems",
                                                          "pattern", "enum", "const")}
        rule = f" {json.dumps(limits, sort_keys=True)}" if limits else ""
        need = "required" if name in required else "optional"
        lines.append(f"- `{name}` ({need}){rule}{': ' + description if description else ''}")
    definitions = schema.get("$defs", {})
    for name in sorted(definitions):
        fields = ", ".join(f"{key}{'' if key in definitions[name].get('required', []) else '?'}"
                           for key in definitions[name].get("properties", {}))
        if fields:
            lines.append(f"- {name}: {fields}")
    return "\n".join(lines)


def _rules() -> str:
    return "\n".join(f"| {rule.id} | {rule.stage} | {rule.name} | {rule.summary} |"
                     for rule in RULES.values())


def _methods(kind: type[Any], base: type[Any] | None) -> list[str]:
    lines = []
    for name, member in sorted(vars(kind).items()):
        if name.startswith("_") or not inspect.isfunction(member) \
                or (base and hasattr(base, name)):
            continue
        doc = (inspect.getdoc(member) or "").split("\n", 1)[0]
        signature = str(inspect.signature(member)).replace("'", "")
        signature = signature.replace("(self, ", "(").replace("(self)", "()")
        lines.append(f"  - `{name}{signature}`" + (f" — {doc}" if doc else ""))
    return lines


def _cheat_sheet() -> str:
    lines = ["FlowTest (from flowkit.testing import FlowTest):"]
    lines += _methods(FlowTest, None)
    for _vendor, path in sorted({**SIMULATORS, **TEST_DATABASES}.items()):
        kind = _load(path)
        assert isinstance(kind, type)
        lines.append(f"{kind.__name__} (from {kind.__module__} import {kind.__name__}):")
        lines += _methods(kind, Simulator) or ["  - (seed it through its connector's writes)"]
    return "\n".join(lines)


@cache
def primer() -> str:
    """The primer text (byte-stable for one installed release)."""
    return render("primer", PROMPTS, example_flow=_example(), spec_fields=_spec_fields(),
                  gate_rules=_rules(), cheat_sheet=_cheat_sheet(),
                  stdlib=", ".join(sorted(SAFE_STDLIB - {"__future__"}))).text
