"""The static stages import only the app's own allowlisted modules, never a module name a flow
chose, even when a module of that name sits in the checkout on the import path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import connectors
from flowkit.validator import validate_flow
from tests.validator.conftest import REPOSITORY, checkout_with

EXAMPLE = REPOSITORY / "flows" / "shopify_orders_to_hubspot_deals"
PLANTED = "import pathlib\npathlib.Path(__file__).with_suffix('.ran').write_text('ran')\n"


@pytest.mark.parametrize(("imports", "uses"), [
    ("import planted_module", "planted_module.anything"),
    ("from connectors.planted_vendor import Anything", "Anything"),
])
def test_a_module_the_flow_names_is_never_imported_by_the_gate(
        checkout_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        imports: str, uses: str) -> None:
    flow = tmp_path / "flow"
    shutil.copytree(EXAMPLE, flow, ignore=shutil.ignore_patterns("__pycache__"))
    text = (flow / "flow.py").read_text()
    (flow / "flow.py").write_text(text.replace(
        "from collections.abc import Iterator\n", f"from collections.abc import Iterator\n"
        f"{imports}\n").replace("        pipeline=\"default\",\n",
                                f"        pipeline=str({uses}),\n"))
    folder = checkout_with(checkout_template, tmp_path / "checkout", flow)
    root = folder.parent.parent
    (root / "planted_module.py").write_text(PLANTED)
    (root / "connectors" / "planted_vendor.py").write_text(PLANTED)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr(connectors, "__path__", [*connectors.__path__, str(root / "connectors")])

    report = validate_flow(folder, last_stage=4)

    assert not report.clean
    assert not list(root.rglob("*.ran"))
    assert "planted_module" not in sys.modules
    assert "connectors.planted_vendor" not in sys.modules
