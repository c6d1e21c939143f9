"""The Salesforce double tests use: the app (`app`), its org store, SOQL engine and seed.

`coverage` says what the simulator reproduces and is read by the catalog without FastAPI: the
app's names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.core.lazy import lazy_exports

if TYPE_CHECKING:
    from connectors.salesforce.simulator.app import (
        SIM_CLIENT_SECRET,
        SIM_REFRESH_TOKEN,
        SalesforceSimulator,
    )

__all__ = ["SIM_CLIENT_SECRET", "SIM_REFRESH_TOKEN", "SalesforceSimulator"]

__getattr__ = lazy_exports(__name__, "connectors.salesforce.simulator.app", __all__)
