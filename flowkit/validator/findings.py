"""What the gate reports: findings with a stable rule id, where they are, and what to do.

Every rule is listed once, with its stage, in the data table `rules.toml` beside this module;
`docs/gate-rules.md` is the same table for people. A finding names the file, line and column,
says what is wrong, and where it can, hints at the nearest real names — so a model (or a person)
can fix it in one step.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Rule:
    """One check of the gate."""

    id: str
    name: str
    stage: int
    summary: str


def _load_rules() -> dict[str, Rule]:
    text = resources.files("flowkit.validator").joinpath("rules.toml").read_text("utf-8")
    table = tomllib.loads(text)
    return {rule_id: Rule(rule_id, **fields) for rule_id, fields in table.items()}


RULES: dict[str, Rule] = _load_rules()
"""Every rule by id, in the order of `rules.toml`."""


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
