"""Every broken flow of the corpus is caught by its stage and rule; every good flow passes."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from flowkit.sandbox import SandboxLimits
from flowkit.validator import RULES, flow_folders, validate_flow
from flowkit.validator.findings import Finding
from flowkit.validator.runner import check_sandboxed
from flowkit.validator.sources import FlowSources
from tests.validator.conftest import REPOSITORY, checkout_with_case

CORPUS = Path(__file__).resolve().parent / "corpus"
GOOD = Path(__file__).resolve().parent / "corpus_good"
"""Correct flows written in shapes a competent author uses: the gate must let them through."""
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "expected.json").is_file())
STATIC = [case for case in CASES
          if json.loads((CORPUS / case / "expected.json").read_text())["stage"] < 5]
SANDBOXED = [case for case in CASES if case not in STATIC]
QUICK = SandboxLimits(wall_seconds=10.0, cpu_seconds=10)


def _expected(case: str) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads((CORPUS / case / "expected.json").read_text())
    return expected


def test_the_corpus_is_large_and_covers_every_static_stage() -> None:
    stages = {_expected(case)["stage"] for case in CASES}
    assert len(CASES) >= 30
    assert stages == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("case", STATIC)
def test_a_broken_flow_is_caught_by_its_stage_and_rule(case: str, checkout_template: Path,
                                                       tmp_path: Path) -> None:
    folder = checkout_with_case(checkout_template, tmp_path / "checkout", CORPUS / case)

    report = validate_flow(folder, last_stage=4)

    expected = _expected(case)
    assert not report.clean
    assert {finding.stage for finding in report.findings} == {expected["stage"]}
    assert expected["rule"] in {finding.rule for finding in report.findings}, report.as_text()
    for finding in report.findings:
        assert finding.rule in RULES
        assert finding.line >= 1
        assert finding.message


@pytest.mark.parametrize("case", sorted(path.name for path in GOOD.iterdir()))
def test_a_correct_flow_in_an_unusual_shape_passes_the_static_stages(
        case: str, checkout_template: Path, tmp_path: Path) -> None:
    folder = checkout_with_case(checkout_template, tmp_path / "checkout", GOOD / case)

    report = validate_flow(folder, last_stage=4)

    assert report.clean, report.as_text()
    assert report.stages_passed == [1, 2, 3, 4]


@pytest.mark.sandbox
@pytest.mark.parametrize("case", SANDBOXED)
def test_a_flow_whose_tests_or_types_fail_is_caught_in_the_sandbox(
        case: str, checkout_template: Path, tmp_path: Path, bwrap_path: str) -> None:
    folder = checkout_with_case(checkout_template, tmp_path / "checkout", CORPUS / case)

    expected = _expected(case)
    earlier = expected.get("caught_first_by")
    if isinstance(earlier, dict):
        # Defence in depth: a static stage refuses the shortcut first, and stage 5 alone,
        # as if the static stages had missed it, still catches it by its own rule.
        report = validate_flow(folder, last_stage=4)
        assert [(finding.stage, finding.rule) for finding in report.findings][:1] == \
            [(earlier["stage"], earlier["rule"])], report.as_text()
        findings = _stage_5_alone(folder)
        assert [finding.rule for finding in findings][:1] == [expected["rule"]], findings
        _assert_at(folder, findings[0], expected)
        return
    report = validate_flow(folder, limits=QUICK)

    assert report.could_not_run is None
    assert [finding.rule for finding in report.findings][:1] == [expected["rule"]], \
        report.as_text()
    assert report.stages_passed == [1, 2, 3, 4]
    first = report.findings[0].as_text()
    for part in expected.get("finding_contains", []):  # what the model must be told
        assert part in first, first
    _assert_at(folder, report.findings[0], expected)


def _assert_at(folder: Path, finding: Finding, expected: dict[str, Any]) -> None:
    """The finding points at the line the case's `finding_at` text stands on, if it names one."""
    if "finding_at" in expected:
        line = (folder / Path(finding.file).name).read_text().splitlines()[finding.line - 1]
        assert expected["finding_at"] in line, (finding, line)


def _stage_5_alone(folder: Path) -> list[Finding]:
    """Stage 5's checks over `folder`, whatever the earlier stages say."""
    sources = FlowSources.read(folder.parent.parent, folder)
    for name, text in sources.texts.items():  # what stage 1 parses before stage 5 reads it
        sources.trees[name] = ast.parse(text)
    return check_sandboxed(sources, QUICK)


@pytest.mark.sandbox
@pytest.mark.parametrize("flow", [path.name for path in flow_folders(REPOSITORY)])
def test_every_example_flow_passes_the_whole_gate(flow: str, bwrap_path: str) -> None:
    report = validate_flow(REPOSITORY / "flows" / flow)

    assert report.clean, report.as_text()
    assert report.stages_passed == [1, 2, 3, 4, 5]
