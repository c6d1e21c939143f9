"""Stage 1 surveys the flow folder without following links: a linked file is refused before
anything opens it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flowkit.validator import validate_flow
from tests.validator.conftest import REPOSITORY, checkout_with

EXAMPLE = REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals"


def _linked(checkout_template: Path, tmp_path: Path, name: str, target: Path) -> Path:
    flow = tmp_path / "flow"
    shutil.copytree(EXAMPLE, flow, ignore=shutil.ignore_patterns("__pycache__"))
    (flow / name).unlink()
    (flow / name).symlink_to(target)
    return checkout_with(checkout_template, tmp_path / "checkout", flow)


def test_a_flow_file_linked_to_a_pipe_is_refused_without_being_opened(
        checkout_template: Path, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # opening it for reading would block until a writer comes: none will
    folder = _linked(checkout_template, tmp_path, "flow.py", pipe)

    report = validate_flow(folder, last_stage=4)

    assert [(f.rule, f.file) for f in report.findings] == [
        ("FK102", "flows/shopify_orders_to_hubspot_deals/flow.py")]
    assert report.stages_passed == []


def test_a_test_file_linked_outside_the_flow_is_refused_and_its_target_never_shown(
        checkout_template: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 'pat-na1-not-for-the-report'\nthis is not python(\n")
    folder = _linked(checkout_template, tmp_path, "test_flow.py", secret)

    report = validate_flow(folder, last_stage=4)

    assert [f.rule for f in report.findings] == ["FK102"]
    assert "pat-na1" not in report.as_text()
    assert "not python" not in report.as_text()
