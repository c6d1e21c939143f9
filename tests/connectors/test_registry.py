"""The registry builds the catalog from the clients alone: no simulator, no web framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectors.core.connector import ConnectorSettings
from connectors.core.errors import ConfigurationError
from connectors.registry import (
    CONNECTORS,
    SIMULATORS,
    catalog,
    connector_class,
    simulator_class,
    simulator_coverage,
)


def test_catalog_imports_no_simulator_and_no_fastapi() -> None:
    # A fresh interpreter: this test process has long imported FastAPI for other tests.
    probe = (
        "import sys\n"
        "from connectors.registry import catalog\n"
        "catalog()\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.split('.')[0] in ('fastapi', 'starlette', 'uvicorn')\n"
        "                or 'simulator' in m.split('.'))  # a simulator package, or their base\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == ""


def test_the_catalog_says_what_each_simulator_covers() -> None:
    listed = {spec.name: spec.simulator for spec in catalog().connectors}
    for name in CONNECTORS:
        coverage = listed[name]
        if name in SIMULATORS:
            assert coverage is not None
            assert coverage.covers
            assert coverage.leaves_out
        else:
            assert coverage is None  # its tests use a real database


def test_docs_list_what_each_simulator_covers() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "connectors.md").read_text()
    for name in SIMULATORS:
        coverage = simulator_coverage(name)
        for line in (*coverage.covers, *coverage.leaves_out):
            assert line in docs, f"docs/connectors.md does not list {name}: {line!r}"


def test_each_simulator_lives_in_a_simulator_package_beside_its_client() -> None:
    for name in SIMULATORS:
        cls = simulator_class(name)
        assert cls.__module__ == f"connectors.{name}.simulator.app"
        assert name in CONNECTORS


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_every_connector_refuses_settings_that_are_not_its_own(name: str) -> None:
    cls = connector_class(name)
    expected = f"{cls.__name__} needs {cls.settings_model.__name__}, not ConnectorSettings"
    with pytest.raises(ConfigurationError, match=expected) as refused:
        cls(ConnectorSettings())
    assert refused.value.context.connector == name
