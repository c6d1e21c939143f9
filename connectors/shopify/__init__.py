"""Shopify's Admin REST API: orders, customers, products and the shop, for flows.

The simulator lives in `connectors.shopify.simulator` (imported on demand: it needs FastAPI).
"""

from connectors.shopify.client import (
    CustomersResource,
    OrdersResource,
    ProductsResource,
    Shopify,
    ShopifySettings,
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
