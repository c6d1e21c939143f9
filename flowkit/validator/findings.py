"""What the gate reports: findings with a stable rule id, where they are, and what to do.

Every rule is listed here once, with its stage; `docs/gate-rules.md` is the same table for
people. A finding names the file, line and column, says what is wrong, and where it can, hints
at the nearest real names — so a model (or a person) can fix it in one step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    """One check of the gate."""

    id: str
    name: str
    stage: int
    summary: str


RULES: dict[str, Rule] = {rule.id: rule for rule in [
    Rule("FK101", "syntax-error", 1, "The file does not parse or compile."),
    Rule("FK102", "symlink", 1, "A symbolic link in the flow folder (refused before anything "
                                "reads it)."),
    Rule("FK103", "extra-file", 1, "A file the flow folder may not hold: anything but spec.yaml, "
                                   "flow.py, test_flow.py, an empty __init__.py and JSON under "
                                   "fixtures/."),
    Rule("FK201", "forbidden-import", 2, "An import outside flowkit's public API, connectors and "
                                         "the allowlisted standard library."),
    Rule("FK202", "forbidden-builtin", 2, "A builtin that reaches outside the flow: open, eval, "
                                          "exec, compile, __import__, globals, vars, input…"),
    Rule("FK203", "dunder-access", 2, "Access to a dunder attribute or name (`x.__class__`)."),
    Rule("FK204", "computed-attribute", 2, "getattr/setattr/delattr/hasattr with a computed "
                                           "name."),
    Rule("FK205", "reflection", 2, "Reaching attributes by other means than `x.name`: getattr "
                                   "with a constant name, type(x), operator.attrgetter/"
                                   "methodcaller, str.format templates."),
    Rule("FK206", "private-attribute", 2, "An attribute that starts with `_`, or an interpreter "
                                          "internal (gi_frame, f_locals, tb_frame…)."),
    Rule("FK207", "module-reach", 2, "A module reached through another module's attribute "
                                     "(`uuid.os`) instead of imported by name."),
    Rule("FK208", "test-switched-off", 2, "A skip or xfail mark, pytest.skip/xfail/"
                                          "importorskip, or a pytest feature beyond fixture, "
                                          "parametrize, raises, warns, approx, param and fail."),
    Rule("FK209", "test-fixture", 2, "A test asks for a fixture the test file does not define "
                                     "(tmp_path, monkeypatch, request…)."),
    Rule("FK210", "monkeypatch", 2, "An assignment to an attribute of an imported module or "
                                    "class, of the Context or of a connector, or a test class "
                                    "extending an imported one: tests use the simulators, flows "
                                    "the connectors as they are."),
    Rule("FK211", "type-check-off", 2, "`# type: ignore`, `# mypy:`, typing.cast, TYPE_CHECKING or "
                                       "no_type_check: something that hides code from the type "
                                       "checker."),
    Rule("FK212", "file-access", 2, "A call that reaches the file system through a path object "
                                    "(read_text, open, glob…), whoever handed it in."),
    Rule("FK300", "unknown-import-name", 3, "An imported name that the module does not have."),
    Rule("FK301", "unknown-connector", 3, "A connector class that the catalog does not list."),
    Rule("FK302", "unknown-operation", 3, "A resource or operation the connector does not have."),
    Rule("FK303", "unknown-parameter", 3, "A keyword argument the operation does not take."),
    Rule("FK304", "missing-argument", 3, "A required argument of the operation is not given, or "
                                         "too many positional ones are."),
    Rule("FK305", "argument-type", 3, "A literal argument whose type or value the parameter does "
                                      "not accept."),
    Rule("FK306", "unknown-field", 3, "A field read from a record that the record does not "
                                      "have."),
    Rule("FK307", "unknown-input-field", 3, "A field given to an input model that it does not "
                                            "have."),
    Rule("FK308", "connector-escape", 3, "A connector used other than as `name.resource."
                                         "operation(...)` or handed to a helper of the same file "
                                         "that declares its type, or a connector or its settings "
                                         "(or a resource) built or extended by flow code."),
    Rule("FK309", "unresolved-write", 3, "A write operation called on something the gate cannot "
                                         "resolve to a connector."),
    Rule("FK401", "missing-file", 4, "A file of the flow package is missing."),
    Rule("FK402", "no-flow", 4, "flow.py does not define `flow = Flow(\"<name>\")` at module "
                                "level."),
    Rule("FK403", "units", 4, "Not exactly one source and one sink, or a source without its "
                              "key."),
    Rule("FK404", "name-mismatch", 4, "The flow's name, the spec's name and the folder disagree."),
    Rule("FK405", "unit-decorator", 4, "A unit carries a decorator besides its @flow one, or a "
                                       "helper that takes a connector one besides "
                                       "functools.cache."),
    Rule("FK410", "spec-invalid", 4, "spec.yaml does not validate."),
    Rule("FK411", "spec-unknown-operation", 4, "The spec names a connector or operation the "
                                               "catalog does not list."),
    Rule("FK412", "source-mismatch", 4, "The source does not call the operation the spec names."),
    Rule("FK413", "target-mismatch", 4, "The sink does not call the operation the spec names."),
    Rule("FK414", "key-mismatch", 4, "The source's key or cursor disagrees with the spec, or is "
                                     "not a field of the source record."),
    Rule("FK415", "unmapped-target", 4, "A mapped target field is never set in the code."),
    Rule("FK416", "mapping-unknown-field", 4, "The mapping names a field the source or target "
                                              "record does not have."),
    Rule("FK420", "non-idempotent-sink", 4, "The sink is not idempotent by itself and the spec "
                                            "has no idempotency key."),
    Rule("FK421", "upsert-key-mismatch", 4, "The sink upserts by a different property than the "
                                            "spec's idempotency key."),
    Rule("FK422", "missing-idempotency-key", 4, "The sink calls an operation that takes an "
                                                "idempotency key without passing one."),
    Rule("FK423", "unexpected-write", 4, "A write other than the spec's target operation, or a "
                                         "write outside the sink."),
    Rule("FK424", "write-twice", 4, "The sink can call the target operation more than once per "
                                    "packet."),
    Rule("FK425", "unstable-value", 4, "A value that changes between runs (now(), uuid4(), "
                                       "ctx.run_id, ctx.started_at) in a flow's units."),
    Rule("FK426", "source-key-not-unique", 4, "The source's key is not the record's id, or the "
                                              "source yields something other than the records "
                                              "of its operation."),
    Rule("FK427", "mapping-mismatch", 4, "A mapped target field is set from a value that does not "
                                         "read the spec's source field."),
    Rule("FK428", "swallowed-error", 4, "An except clause that hides an error: broad and not "
                                        "re-raised, or only `pass`."),
    Rule("FK429", "shared-state", 4, "State that outlives a packet: a module-level container "
                                     "changed by a unit, `global`, or a mutable default."),
    Rule("FK430", "vacuous-assert", 4, "An assert of a constant, or a test none of whose asserts "
                                       "reads what the flow did."),
    Rule("FK431", "test-without-flow", 4, "The tests do not import the flow (`from .flow import "
                                          "flow`) and run it with FlowTest."),
    Rule("FK501", "type-error", 5, "The type checker, with the real connector types, found an "
                                   "error."),
    Rule("FK502", "test-failed", 5, "A test of the flow failed."),
    Rule("FK503", "tests-assert-nothing", 5, "The flow has no test, or a test asserts nothing."),
    Rule("FK504", "timeout", 5, "The type check or the tests ran out of time in the sandbox."),
    Rule("FK505", "test-not-run", 5, "A test was skipped, xfailed or xpassed: only tests that run "
                                     "and pass count."),
    Rule("FK506", "unit-not-exercised", 5, "The tests never made a unit of the flow (its source, "
                                           "a step or its sink) do its work through FlowTest."),
    Rule("FK507", "second-run-writes", 5, "Running the flow again over the same simulator state "
                                          "wrote again through an idempotent operation."),
    Rule("FK590", "sandbox-unavailable", 5, "The sandbox could not run the flow's checks."),
]}


@dataclass(frozen=True)
class Finding:
    """One problem, where it is, and what to do about it."""

    rule: str
    file: str
    line: int
    column: int
    message: str
    hint: str | None = None

    @property
    def stage(self) -> int:
        """The stage of this finding's rule."""
        return RULES[self.rule].stage

    def as_json(self) -> dict[str, Any]:
        """The finding as JSON, with its rule's name and stage."""
        return {**asdict(self), "name": RULES[self.rule].name, "stage": self.stage}

    def as_text(self) -> str:
        """`file:line:col: FKnnn name: message (hint)` — one line for people and the model."""
        text = f"{self.file}:{self.line}:{self.column}: {self.rule} {RULES[self.rule].name}: " \
               f"{self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


@dataclass
class FlowReport:
    """The gate's verdict on one flow."""

    flow: str
    findings: list[Finding] = field(default_factory=list)
    stages_passed: list[int] = field(default_factory=list)
    could_not_run: str | None = None
    """Why a stage could not run at all (the verdict is then neither clean nor failed)."""

    @property
    def clean(self) -> bool:
        """No findings, and every stage ran."""
        return not self.findings and self.could_not_run is None

    def as_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {"flow": self.flow, "clean": self.clean, "stages_passed": self.stages_passed,
                "could_not_run": self.could_not_run,
                "findings": [finding.as_json() for finding in self.findings]}

    def as_text(self) -> str:
        """The report for people and the model."""
        if self.could_not_run:
            return f"{self.flow}: could not run: {self.could_not_run}"
        if self.clean:
            return f"{self.flow}: clean (stages {', '.join(map(str, self.stages_passed))})"
        stage = self.findings[0].stage
        lines = [f"{self.flow}: {len(self.findings)} finding(s) in stage {stage}"]
        lines += [finding.as_text() for finding in self.findings]
        return "\n".join(lines)


def nearest(name: str, candidates: Iterable[str], *, count: int = 2) -> list[str]:
    """The candidates closest to a misspelt or made-up name."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=count, cutoff=0.5)
    if close:
        return close
    tail = name.rsplit(".", 1)[-1]
    return [c for c in pool if c.rsplit(".", 1)[-1].startswith(tail[:3])][:count]


def did_you_mean(name: str, candidates: Iterable[str], *, quote: str = "`") -> str | None:
    """`did you mean `a` or `b`?`, or None when nothing is close."""
    close = nearest(name, candidates)
    if not close:
        return None
    return "did you mean " + " or ".join(f"{quote}{c}{quote}" for c in close) + "?"
