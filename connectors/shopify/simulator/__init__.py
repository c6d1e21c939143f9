"""The Shopify double tests use: the app (`app`), its listing and write rules, synthetic shop.

What it reproduces is listed beside the client, in `connectors.shopify.simulator_coverage`.
"""

from connectors.shopify.simulator.app import (
    SIM_ACCESS_TOKEN,
    ShopifySimulator,
)

__all__ = ["SIM_ACCESS_TOKEN", "ShopifySimulator"]
