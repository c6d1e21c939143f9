"""The Shopify double tests use: the app (`app`), its listing and write rules, synthetic shop.

`coverage` says what the simulator reproduces and is read by the catalog without FastAPI: the
app's names below are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.core.lazy import lazy_exports

if TYPE_CHECKING:
    from connectors.shopify.simulator.app import (
        SIM_ACCESS_TOKEN,
        ShopifySimulator,
    )

__all__ = ["SIM_ACCESS_TOKEN", "ShopifySimulator"]

__getattr__ = lazy_exports(__name__, "connectors.shopify.simulator.app", __all__)
