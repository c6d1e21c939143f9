"""The tools the model may use, and the one place their calls are carried out.

Each tool is narrow on purpose. The model reads the catalog and the checkout (files with line
numbers, since findings cite lines), writes or edits only inside its flow's folder (the workspace
refuses anything else, and says why), runs the gate, and ends the job in one of two ways:
`finish` (the gate runs once more and only a clean full run counts) or `ask_questions` (the job
waits for the author). Every write of flow.py, test_flow.py or spec.yaml is checked at once by
the gate's static stages 1-4, free; only runs of the whole gate count as attempts. File contents
and gate output come back inside an untrusted-data fence: a repository's files are data, never
instructions. Tool definitions are rendered deterministically: they are part of the cached
prompt prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.agent.sanitize import fence
from flowkit.spec import SPEC_FILE, SpecError, parse_spec

MAX_TOOL_RESULT_CHARS = 20_000
CHECKED_FILES = ("flow.py", "test_flow.py", SPEC_FILE)
"""The files whose every write gets the gate's static stages at once."""
MISSING_FILE = "FK401"


class ToolRefused(Exception):
    """A tool call the host will not carry out; the message tells the model why and what to do."""


@dataclass(frozen=True)
class GateRun:
    """One run of the gate (or of the tests) over the flow: did it pass, and the report."""

    passed: bool
    report: str
    """The report as text for the model: every finding with file, line, rule and hint."""
    findings: list[dict[str, Any]] = field(default_factory=list)
    """The findings as JSON objects (for the check run's annotations and the PR body)."""
    full: bool = True
    """Whether every stage ran (the static check after a write runs stages 1-4 only)."""


class AgentHost(Protocol):
    """What the tools act on: the job's checkout, its flow folder, the gate."""

    flow_folder: str
    """The folder the model may write, relative to the checkout (`flows/<name>`)."""

    def read_file(self, path: str) -> str:
        """A file of the checkout (read-only), or ToolRefused."""

    def list_files(self, path: str) -> list[str]:
        """The files under a folder of the checkout, or ToolRefused."""

    def write_file(self, path: str, content: str) -> None:
        """Write a file inside the flow folder, or ToolRefused."""

    def run_gate(self) -> GateRun:
        """The whole gate over the flow folder."""

    def check_static(self) -> GateRun:
        """The gate's stages 1-4 over the flow folder (no code runs): `full` is False."""

    def catalog_details(self, name: str) -> str:
        """A connector's or a record's details, as JSON text."""


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


_PATH = {"type": "string", "description": "A path relative to the repository root."}

TOOL_DEFINITIONS: list[dict[str, Any]] = [
    {"name": "catalog_details",
     "description": "Details of one connector by its name, e.g. 'hubspot' (its records' "
                    "fields first, then every operation's docs and quirks), of one record, e.g. "
                    "'hubspot.DealInput', or of one operation, e.g. 'hubspot.deals.upsert'.",
     "input_schema": _schema({"name": {"type": "string"}}, ["name"])},
    {"name": "list_files",
     "description": "List the files under a folder of the repository, e.g. 'flows' to see the "
                    "example flows. Read-only.",
     "input_schema": _schema({"path": _PATH}, ["path"])},
    {"name": "read_file",
     "description": "Read one file of the repository (read-only), with line numbers, e.g. an "
                    "example flow's flow.py.",
     "input_schema": _schema({"path": _PATH}, ["path"])},
    {"name": "write_file",
     "description": "Write one whole file of the flow you are working on (only inside its "
                    "folder; any other path is refused). Write spec.yaml first. Every write of "
                    "spec.yaml, flow.py or test_flow.py is checked at once by the gate's stages "
                    "1-4 (free, not an attempt).",
     "input_schema": _schema({"path": _PATH, "content": {"type": "string"}},
                             ["path", "content"])},
    {"name": "edit_file",
     "description": "Replace one exact piece of text in a file of your flow with another; "
                    "`old_text` must occur exactly once (include enough lines to make it "
                    "unique). Checked like write_file.",
     "input_schema": _schema({"path": _PATH, "old_text": {"type": "string"},
                              "new_text": {"type": "string"}},
                             ["path", "old_text", "new_text"])},
    {"name": "run_gate",
     "description": "Run the whole gate over your flow: compile, imports, connector calls, "
                    "structure, then types and tests in the sandbox. Each run counts as one "
                    "attempt.",
     "input_schema": _schema({}, [])},
    {"name": "ask_questions",
     "description": "Ask the issue's author the decisions the request leaves open instead of "
                    "guessing. The job pauses until someone answers.",
     "input_schema": _schema({"questions": {"type": "array", "items": {"type": "string"},
                                            "minItems": 1, "maxItems": 5}}, ["questions"])},
    {"name": "finish",
     "description": "Say you are done, with a short summary for the pull request. The gate runs "
                    "once more; only a clean report ends the job.",
     "input_schema": _schema({"summary": {"type": "string"}}, ["summary"])},
]


@dataclass
class ToolOutcome:
    """A tool call's result for the model, and whether it ends the loop."""

    content: str
    is_error: bool = False
    gate: GateRun | None = None
    questions: list[str] | None = None
    summary: str | None = None
    wrote: bool = False
    """A file of the flow changed."""


def _clip(text: str) -> str:
    if len(text) <= MAX_TOOL_RESULT_CHARS:
        return text
    cut = len(text) - MAX_TOOL_RESULT_CHARS
    return text[:MAX_TOOL_RESULT_CHARS] + f"\n[… {cut} more characters cut]"


def _text(arguments: dict[str, Any], name: str) -> str:
    value = arguments.get(name)
    if not isinstance(value, str):
        raise ToolRefused(f"`{name}` must be a string")
    return value


def _spec_first(host: AgentHost, path: str) -> None:
    spec_path = f"{host.flow_folder}/{SPEC_FILE}"
    if path.rsplit("/", 1)[-1] in ("flow.py", "test_flow.py"):
        try:
            parse_spec(host.read_file(spec_path))
        except (ToolRefused, SpecError):
            raise ToolRefused(f"write {spec_path} first, and make it validate: the spec comes "
                              "before the code") from None


def _checked(host: AgentHost, path: str, done: str) -> ToolOutcome:
    """`done`, and the static stages' verdict when `path` is one of the checked files."""
    if path.rsplit("/", 1)[-1] not in CHECKED_FILES:
        return ToolOutcome(done, wrote=True)
    if path == f"{host.flow_folder}/{SPEC_FILE}":
        try:
            parse_spec(host.read_file(path))
        except SpecError as error:
            problems = "\n".join(f"- {where or '(top level)'}: {what}"
                                  for where, what in error.problems)
            return ToolOutcome(f"{done}, but the spec does not validate:\n{problems}",
                               is_error=True, wrote=True)
    check = host.check_static()
    # files not written yet are not a finding mid-way; the whole gate still reports them
    findings = [f for f in check.findings if f.get("rule") != MISSING_FILE]
    if check.passed or (check.findings and not findings):
        missing = len(check.findings)
        verdict = "stages 1-4 pass" + (f" so far ({missing} file(s) of the flow still to "
                                       "write)" if missing else " (run_gate for types and tests)")
        return ToolOutcome(f"{done}; {verdict}", wrote=True, gate=check)
    report = "\n".join(_finding_text(f) for f in findings) or check.report
    return ToolOutcome(f"{done}; stages 1-4 report (not an attempt):\n"
                       f"{fence('gate_report', report)}", is_error=True, wrote=True, gate=check)


def _finding_text(finding: dict[str, Any]) -> str:
    text = (f"{finding['file']}:{finding['line']}:{finding['column']}: {finding['rule']} "
            f"{finding['name']}: {finding['message']}")
    return text + (f"\n    hint: {finding['hint']}" if finding.get("hint") else "")


def _write(host: AgentHost, arguments: dict[str, Any]) -> ToolOutcome:
    path, content = _text(arguments, "path"), _text(arguments, "content")
    _spec_first(host, path)
    host.write_file(path, content)
    return _checked(host, path, f"wrote {path} ({len(content.splitlines())} lines)")


def _edit(host: AgentHost, arguments: dict[str, Any]) -> ToolOutcome:
    path = _text(arguments, "path")
    old, new = _text(arguments, "old_text"), _text(arguments, "new_text")
    if not old:
        raise ToolRefused("`old_text` is empty: give the exact text to replace")
    if not path.startswith(f"{host.flow_folder}/"):
        raise ToolRefused(f"{path}: you may only edit inside {host.flow_folder}/")
    text = host.read_file(path)
    count = text.count(old)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise ToolRefused(f"`old_text` {where} in {path}; read_file shows its exact text — "
                          "copy it without the line numbers, with enough lines to be unique")
    _spec_first(host, path)
    host.write_file(path, text.replace(old, new, 1))
    line = text[:text.index(old)].count("\n") + 1
    return _checked(host, path, f"edited {path} at line {line}")


def _numbered(path: str, text: str) -> str:
    width = len(str(text.count("\n") + 1))
    lines = [f"{number:>{width}}  {line}" for number, line in enumerate(text.splitlines(), 1)]
    return fence("file", f"{path}\n" + "\n".join(lines), limit=MAX_TOOL_RESULT_CHARS)


def _questions(_host: AgentHost, arguments: dict[str, Any]) -> ToolOutcome:
    questions = arguments.get("questions")
    if not (isinstance(questions, list) and questions
            and all(isinstance(q, str) and q.strip() for q in questions)):
        raise ToolRefused("`questions` must be a non-empty list of questions")
    return ToolOutcome("the questions will be posted on the issue", questions=questions)


_HANDLERS: dict[str, Callable[[AgentHost, dict[str, Any]], ToolOutcome]] = {
    "catalog_details": lambda host, a: ToolOutcome(_clip(host.catalog_details(_text(a, "name")))),
    "list_files": lambda host, a: ToolOutcome(_clip("\n".join(host.list_files(_text(a, "path")))
                                                    or "(no files)")),
    "read_file": lambda host, a: ToolOutcome(_numbered(_text(a, "path"),
                                                       host.read_file(_text(a, "path")))),
    "write_file": _write,
    "edit_file": _edit,
    "ask_questions": _questions,
}


def run_tool(host: AgentHost, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """Carry out one tool call; a refusal or a bad argument becomes an error result, not a crash."""
    try:
        if name in ("run_gate", "finish"):
            summary = _text(arguments, "summary") if name == "finish" else None
            gate = host.run_gate()
            verdict = "PASSED" if gate.passed else "FAILED"
            return ToolOutcome(f"{verdict}\n{fence('gate_report', gate.report)}",
                               is_error=not gate.passed, gate=gate, summary=summary)
        handler = _HANDLERS.get(name)
        if handler is None:
            known = ", ".join(tool["name"] for tool in TOOL_DEFINITIONS)
            return ToolOutcome(f"there is no tool {name!r}; the tools are {known}", is_error=True)
        return handler(host, arguments)
    except ToolRefused as refusal:
        return ToolOutcome(f"refused: {refusal}", is_error=True)
