"""The Shopify double tests use: the app (`app`), its listing rules and synthetic shop."""

from connectors.shopify.simulator.app import SIM_ACCESS_TOKEN, ShopifySimulator

__all__ = ["SIM_ACCESS_TOKEN", "ShopifySimulator"]
