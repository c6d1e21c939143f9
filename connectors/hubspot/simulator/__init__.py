"""The HubSpot double tests use: the app (`app`), its store, schema and synthetic seed.

`coverage` says what the simulator reproduces and is read by the catalog without FastAPI: the
app's names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.core.lazy import lazy_exports

if TYPE_CHECKING:
    from connectors.hubspot.simulator.app import (
        HUBSPOT_READ_ONLY_TOKEN,
        HUBSPOT_TEST_TOKEN,
        HubSpotSimulator,
    )

__all__ = ["HUBSPOT_READ_ONLY_TOKEN", "HUBSPOT_TEST_TOKEN", "HubSpotSimulator"]

__getattr__ = lazy_exports(__name__, "connectors.hubspot.simulator.app", __all__)
