"""The gate: the stages in order, cheapest first; the first failing stage ends a flow's run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.core.catalog import Catalog
from connectors.registry import catalog as shipped_catalog
from flowkit.sandbox import SandboxLimits
from flowkit.validator.findings import Finding, FlowReport
from flowkit.validator.sources import FlowSources
from flowkit.validator.stage_calls import check_calls
from flowkit.validator.stage_compile import check_compile
from flowkit.validator.stage_imports import check_imports
from flowkit.validator.stage_sandbox import (
    DEFAULT_LIMITS,
    CouldNotRun,
    check_tests,
    check_tests_assert,
    check_types,
)
from flowkit.validator.stage_structure import check_structure

STATIC_STAGES = (1, 2, 3, 4)


def check_sandboxed(sources: FlowSources, limits: SandboxLimits) -> list[Finding]:
    """Stage 5: the tests assert something, then types, then the tests, in the sandbox."""
    return (check_tests_assert(sources) or check_types(sources, limits)
            or check_tests(sources, limits))


def _stages(catalog: Catalog,
            limits: SandboxLimits) -> list[tuple[int, Callable[[FlowSources], list[Finding]]]]:
    return [(1, check_compile), (2, check_imports),
            (3, lambda sources: check_calls(sources, catalog)),
            (4, lambda sources: check_structure(sources, catalog)),
            (5, lambda sources: check_sandboxed(sources, limits))]


def validate_flow(folder: Path, *, root: Path | None = None, catalog: Catalog | None = None,
                  last_stage: int = 5, limits: SandboxLimits = DEFAULT_LIMITS,
                  on_stage: Callable[[int], None] | None = None) -> FlowReport:
    """Run the stages up to `last_stage` over one flow folder of the checkout at `root`;
    `limits` bound each sandboxed run of stage 5; `on_stage` is told each stage as it starts
    (a command's progress)."""
    folder = folder.resolve()
    root = (root or folder.parent.parent).resolve()
    sources = FlowSources.read(root, folder)
    report = FlowReport(flow=sources.display("").rstrip("/") or folder.name)
    for stage, check in _stages(catalog or shipped_catalog(), limits):
        if stage > last_stage:
            break
        if on_stage is not None:
            on_stage(stage)
        try:
            findings = check(sources)
        except CouldNotRun as reason:
            report.could_not_run = str(reason)
            return report
        if findings:
            report.findings = findings
            return report
        report.stages_passed.append(stage)
    return report
