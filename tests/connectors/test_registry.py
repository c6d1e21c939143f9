"""The registry builds the catalog from the clients alone: no simulator, no web framework."""

from __future__ import annotations

import subprocess
import sys

from connectors.registry import CONNECTORS, SIMULATORS, simulator_class


def test_catalog_imports_no_simulator_and_no_fastapi() -> None:
    # A fresh interpreter: this test process has long imported FastAPI for other tests.
    probe = (
        "import sys\n"
        "from connectors.registry import catalog\n"
        "catalog()\n"
        "loaded = sorted(m for m in sys.modules\n"
        "                if m.split('.')[0] in ('fastapi', 'starlette') or '.simulator' in m)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == ""


def test_each_simulator_lives_in_a_simulator_package_beside_its_client() -> None:
    for name in SIMULATORS:
        cls = simulator_class(name)
        assert cls.__module__ == f"connectors.{name}.simulator.app"
        assert name in CONNECTORS
