"""Shopify's Admin REST API: orders, customers, products and the shop, for flows.

The simulator lives in `connectors.shopify.simulator` (imported on demand: it needs FastAPI).
"""

from connectors.shopify.client import (
    CustomersResource,
    OrdersResource,
    ProductsResource,
    Shopify,
    ShopResource,
)
from connectors.shopify.records import (
    Address,
    Customer,
    CustomerSummary,
    LineItem,
    Order,
    Product,
    Shop,
    Variant,
)
from connectors.shopify.settings import ShopifySettings

__all__ = [
    "Address",
    "Customer",
    "CustomerSummary",
    "CustomersResource",
    "LineItem",
    "Order",
    "OrdersResource",
    "Product",
    "ProductsResource",
    "Shop",
    "ShopResource",
    "Shopify",
    "ShopifySettings",
    "Variant",
]
