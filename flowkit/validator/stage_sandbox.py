"""Stage 5: the type checker and the flow's own tests, inside the sandbox.

The flow's code runs here for the first time, so only here, and only inside bubblewrap: no
network, a private /tmp, no secrets in the environment, limits on time and memory. The sandbox
sees the app's installation read-only and, instead of the checkout, a copy of the flow's own
files (`flow_view`): the flow is checked against the installed `flowkit` and `connectors`, and
the gate — not the flow folder — decides how mypy and pytest are configured.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowkit.sandbox import Outcome, SandboxError, SandboxLimits, SandboxResult, run_sandboxed
from flowkit.sandbox.bwrap import SANDBOX_TMP
from flowkit.validator.findings import Finding
from flowkit.validator.flow_view import MYPY_CONFIG_FILE, PYTEST_CONFIG, flow_view, in_view
from flowkit.validator.gate_plugin import NONCE_VARIABLE, REPORT_PREFIX
from flowkit.validator.mypy_cache import library, warm_cache
from flowkit.validator.sources import FLOW_FILE, TEST_FILE, FlowSources

MYPY_LINE = re.compile(r"^(?P<path>[^:\n]+\.py):(?P<line>\d+):(?P<column>\d+): error: "
                       r"(?P<message>.*?)(?:\s+\[[\w-]+\])?$", re.MULTILINE)
TRACEBACK_LINE = re.compile(r"^(?P<path>/?[^\s:]+\.py):(?P<line>\d+): (?P<message>.+)$",
                            re.MULTILINE)
FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (?P<path>[^:\s]+)(?:::(?P<test>[\w\[\]\-.:]+))?"
                         r"(?: - (?P<message>.*))?$", re.MULTILINE)
"""A line of pytest's short summary; `test` is the test's id in its file (`Class::test_x`)."""
SHOWN_PACKETS = 3
"""How many different stopped packets a failed test's finding names; it counts the others."""
DEFAULT_LIMITS = SandboxLimits(wall_seconds=120.0, cpu_seconds=120)
WARM_START = ("import runpy, shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2]); "
              "sys.argv = ['mypy', *sys.argv[3:]]; runpy.run_module('mypy', run_name='__main__')")
"""Copies the warm cache into the sandbox's /tmp, then runs mypy with the given arguments."""


class CouldNotRun(Exception):
    """The sandbox could not run the checks at all (the verdict is neither clean nor failed)."""


def _asserts(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "raises"):
                    return True
    return False


def _test_functions(tree: ast.Module | None) -> list[ast.FunctionDef]:
    """The test functions pytest collects (by the gate's configuration): `test*` functions at
    module level and in `Test*` classes."""
    found = []
    for node in tree.body if tree else []:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            found += [method for method in node.body if isinstance(method, ast.FunctionDef)
                      and method.name.startswith("test")]
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found.append(node)
    return found


def check_tests_assert(sources: FlowSources) -> list[Finding]:
    """The flow has tests, and each of them asserts something (checked before running them)."""
    tree = sources.trees.get(TEST_FILE)
    path = sources.display(TEST_FILE)
    tests = _test_functions(tree)
    if not tests:
        return [Finding("FK503", path, 1, 1, "the flow has no tests",
                        "write test_* functions with FlowTest: seed, run, assert on the target")]
    return [Finding("FK503", path, test.lineno, test.col_offset + 1,
                    f"`{test.name}` asserts nothing",
                    "assert on what arrived in the target simulator and on the run's report")
            for test in tests if not _asserts(test)]


def _run(argv: list[str], view: Path, limits: SandboxLimits,
         also_readable: tuple[Path, ...] = (), env: Mapping[str, str] | None = None,
         ) -> SandboxResult:
    """Run `argv` in the sandbox, in `view`, seeing the virtualenv, this installation's
    `flowkit` and `connectors` (not the rest of its folder: an editable install's folder may
    hold more than code), and `also_readable`, with `env` added to the environment."""
    try:
        return run_sandboxed(argv, workdir=view,
                             readonly_paths=[view, Path(sys.prefix), *library(),
                                             *also_readable],
                             env={"PYTHONPATH": str(view), "PYTHONDONTWRITEBYTECODE": "1",
                                  "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
                             limits=limits)
    except SandboxError as error:
        raise CouldNotRun(str(error).splitlines()[0]) from None


def _timeout(result: SandboxResult, what: str, path: str) -> Finding | None:
    if result.outcome in (Outcome.TIMEOUT, Outcome.CPU_LIMIT):
        return Finding("FK504", path, 1, 1, f"{what} ran out of time in the sandbox "
                       f"({result.outcome.value} after {result.wall_seconds:.0f} s)",
                       "look for a loop that never ends, or a wait on something that never "
                       "comes")
    return None


def check_types(sources: FlowSources, limits: SandboxLimits = DEFAULT_LIMITS) -> list[Finding]:
    """mypy --strict over the flow's files, with the installed connectors' real types."""
    names = [name for name in (FLOW_FILE, TEST_FILE) if name in sources.texts]
    files = [in_view(sources, name) for name in names]
    shown = {in_view(sources, name): sources.display(name) for name in names}
    cache = SANDBOX_TMP / "mypy-cache"
    mypy = [f"--config-file={MYPY_CONFIG_FILE}", "--show-column-numbers", "--no-error-summary",
            f"--cache-dir={cache}", *files]
    warm = warm_cache()
    with flow_view(sources) as view:
        if warm is None:
            result = _run([sys.executable, "-m", "mypy", *mypy], view, limits)
        else:  # start from a copy of the warm cache: mypy writes to its cache as it goes
            result = _run([sys.executable, "-c", WARM_START, str(warm), str(cache), *mypy],
                          view, limits, also_readable=(warm,))
    late = _timeout(result, "the type check", shown[files[0]])
    if late is not None:
        return [late]
    findings = [Finding("FK501", shown.get(match["path"], match["path"]), int(match["line"]),
                        int(match["column"]), match["message"])
                for match in MYPY_LINE.finditer(result.stdout)]
    if result.outcome is not Outcome.OK and not findings:
        raise CouldNotRun(f"the type checker failed: {result.describe()} "
                          f"{(result.stdout + result.stderr)[-500:]}")
    return findings


def _test_line(sources: FlowSources, name: str | None) -> int:
    for node in _test_functions(sources.trees.get(TEST_FILE)):
        if name and node.name == name.split("::")[-1].split("[")[0]:
            return node.lineno
    return 1


def _stopped(packets: list[dict[str, Any]]) -> str:
    """What a failed test's packets that ended bad or failed say: key, unit, error, message
    (a packet that stopped the same way in several runs is said once, with how often)."""
    said = Counter(f"packet `{packet['key']}` ended {packet['outcome']} in `{packet['unit']}` "
                   f"with {packet['error_type']}: {' '.join(str(packet['message']).split())}"
                   for packet in packets)
    shown = [text + (f" ({times} times)" if times > 1 else "")
             for text, times in list(said.items())[:SHOWN_PACKETS]]
    more = len(said) - SHOWN_PACKETS
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _failed_test(sources: FlowSources, path: str, failed: re.Match[str],
                 traceback: re.Match[str] | None,
                 stopped: dict[str, list[dict[str, Any]]]) -> Finding:
    """The finding of one failed test: pytest's line, and the packets the flow stopped in it."""
    test = failed["test"] or failed["path"]
    line, message = _test_line(sources, failed["test"]), failed["message"] or ""
    if traceback is not None and traceback["path"].endswith(TEST_FILE):
        line, message = int(traceback["line"]), traceback["message"]
    packets = stopped.get(failed["test"] or "", [])
    if not packets:
        return Finding("FK502", path, line, 1,
                       f"`{test}` failed: {message.strip() or 'see the output'}")
    units = ", ".join(dict.fromkeys(f"`{packet['unit']}`" for packet in packets))
    return Finding("FK502", path, line, 1,
                   f"`{test}` failed: {message.strip() or 'see the output'}; in the flow, "
                   f"{_stopped(packets)}",
                   f"the flow's {units} stopped the packet: fix the unit so it handles that "
                   "record, or, if the packet is meant to stop, assert that it did "
                   "(report.bad_keys, report.failed_keys, report.result(key).message)")


def check_tests(sources: FlowSources, limits: SandboxLimits = DEFAULT_LIMITS) -> list[Finding]:
    """The flow's tests against the simulators; each failure is a finding at its test."""
    path = sources.display(TEST_FILE)
    inside = in_view(sources, TEST_FILE)
    # The report line must carry this run's nonce: the plugin takes it out of the environment
    # before any test is imported, so a test that prints a report of its own is not believed.
    nonce = secrets.token_hex(16)
    with flow_view(sources) as view:
        result = _run([sys.executable, "-m", "pytest", "-c", PYTEST_CONFIG, "--rootdir=.",
                       f"--confcutdir={Path(inside).parent}", "-p", "no:cacheprovider",
                       "-p", "flowkit.validator.gate_plugin",
                       inside, "-q", "-rfE", "--no-header", "--tb=line"], view, limits,
                      env={NONCE_VARIABLE: nonce})
    late = _timeout(result, "the flow's tests", path)
    if late is not None:
        return [late]
    if result.outcome is Outcome.OK:
        return _judge_run(sources, path, result.stdout, nonce)
    tracebacks = list(TRACEBACK_LINE.finditer(result.stdout))
    stopped = _stopped_by_test(_gate_report(result.stdout, nonce) or {})
    findings = [_failed_test(sources, path, failed,
                             tracebacks[index] if index < len(tracebacks) else None, stopped)
                for index, failed in enumerate(FAILED_LINE.finditer(result.stdout))]
    if not findings:
        tail = (result.stdout + result.stderr).strip()[-800:]
        findings = [Finding("FK502", path, 1, 1, f"the tests did not pass: {tail}")]
    return findings


def _def_line(sources: FlowSources, unit: str) -> int:
    """The line of flow.py where the unit `unit` is defined (1 when it cannot be found)."""
    for node in ast.walk(sources.trees.get(FLOW_FILE) or ast.Module(body=[], type_ignores=[])):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == unit:
            return node.lineno
    return 1


def _call_line(sources: FlowSources, rewrite: str) -> int:
    """The line of flow.py that calls the operation a rewrite names (`` `hubspot.deals.upsert`
    took effect … ``): `….deals.upsert`; 1 when it cannot be found (a write behind an alias)."""
    quoted = rewrite.split("`")
    *_, resource, operation = ["", "", *(quoted[1].split(".") if len(quoted) > 2 else [])]
    for node in ast.walk(sources.trees.get(FLOW_FILE) or ast.Module(body=[], type_ignores=[])):
        if (isinstance(node, ast.Attribute) and node.attr == operation
                and isinstance(node.value, ast.Attribute) and node.value.attr == resource):
            return node.lineno
    return 1


def _flow_name(sources: FlowSources) -> str | None:
    """The name in `flow = Flow("<name>")` of flow.py (stage 4 made sure it is there)."""
    for node in ast.walk(sources.trees.get(FLOW_FILE) or ast.Module(body=[], type_ignores=[])):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "Flow" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return node.args[0].value
    return None


def _stopped_by_test(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The report's packets stopped per failed test, keeping only entries of the plugin's shape
    (the line comes from the sandbox: a malformed one must not end the gate in a traceback)."""
    stopped = report.get("stopped")
    fields = {"key", "outcome", "unit", "error_type", "message"}
    return {test: [packet for packet in packets
                   if isinstance(packet, dict) and fields <= packet.keys()]
            for test, packets in stopped.items() if isinstance(packets, list)} \
        if isinstance(stopped, dict) else {}


def _gate_report(stdout: str, nonce: str) -> dict[str, Any] | None:
    """The gate plugin's report: the last line it printed with this run's nonce (tests print
    before it, and cannot know the nonce)."""
    mark = f"{REPORT_PREFIX}{nonce} "
    lines = [line for line in stdout.splitlines() if line.startswith(mark)]
    if not lines:
        return None
    try:
        report = json.loads(lines[-1][len(mark):])
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def _judge_run(sources: FlowSources, path: str, stdout: str, nonce: str) -> list[Finding]:
    """The tests passed: were they all run, and did they make every unit do its work?"""
    report = _gate_report(stdout, nonce)
    if report is None:
        return [Finding("FK506", path, 1, 1, "the tests ended without the gate's report of what "
                        "they ran (did a test end the process?)",
                        "let pytest finish: no sys.exit, os._exit or signal in a test")]
    findings = [Finding("FK505", path, _test_line(sources, str(unusual["test"]).split("::")[-1]),
                        1, f"`{str(unusual['test']).split('::', 1)[-1]}` was {unusual['kind']}"
                        f"{': ' + unusual['reason'] if unusual.get('reason') else ''}",
                        "remove the skip or xfail (mark, pytest.skip, importorskip): every test "
                        "must run and pass against the simulators; delete a test that cannot")
                for unusual in report.get("unusual", [])]
    name = _flow_name(sources)
    flow_path = sources.display(FLOW_FILE)
    counts: dict[str, int] = report.get("exercised", {}).get(name, {})
    if not counts:
        findings.append(Finding(
            "FK506", path, 1, 1, f"no test ran the flow `{name}` through FlowTest",
            "in a test, `with FlowTest(flow) as story:` seed the source simulator, call "
            "story.run() and assert on what arrived in the target simulator"))
    for unit, count in counts.items():
        if count == 0:
            findings.append(Finding(
                "FK506", flow_path, _def_line(sources, unit), 1, f"no test made the unit "
                f"`{unit}` do its work (it never "
                f"{'yielded a record' if unit == next(iter(counts)) else 'returned'})",
                f"seed the source simulator with a record that reaches `{unit}` and passes it, "
                "then story.run(); monkeypatching or calling units directly does not count"))
    return findings + [
        Finding("FK507", flow_path, _call_line(sources, rewrite), 1, "run a second time over "
                f"the same simulator state, the flow wrote again: {rewrite}",
                "derive the idempotency key or the upsert's id from the record itself (its id "
                "or the spec's key), never from uuid4(), ctx.run_id or the clock; a second run "
                "must land on what the first one wrote")
        for rewrite in dict.fromkeys(report.get("rewrites", []))]
