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
    Rule("FK201", "forbidden-import", 2, "An import outside flowkit's public API, connectors and "
                                         "the allowlisted standard library."),
    Rule("FK202", "forbidden-builtin", 2, "A builtin that reaches outside the flow: open, eval, "
                                          "exec, compile, __import__, globals, vars, input…"),
    Rule("FK203", "dunder-access", 2, "Access to a dunder attribute or name (`x.__class__`)."),
    Rule("FK204", "computed-attribute", 2, "getattr/setattr/delattr/hasattr with a computed "
                                           "name."),
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
    Rule("FK401", "missing-file", 4, "A file of the flow package is missing."),
    Rule("FK402", "no-flow", 4, "flow.py does not define `flow = Flow(\"<name>\")` at module "
                                "level."),
    Rule("FK403", "units", 4, "Not exactly one source and one sink, or a source without its "
                              "key."),
    Rule("FK404", "name-mismatch", 4, "The flow's name, the spec's name and the folder disagree."),
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
