"""Active Shopify products are upserted into the SQL table `products` by product id."""

from collections.abc import Iterator
from typing import Any

from connectors.shopify import Product, Shopify
from connectors.sql import SqlDatabase, UpsertResult
from flowkit import BadRecord, Context, Flow

flow = Flow("shopify-products-to-sql")


@flow.source(key="id", cursor="updated_at")
def active_products(ctx: Context, shop: Shopify) -> Iterator[Product]:
    """Active products changed since the last run."""
    yield from shop.products.list(status="active", updated_at_min=ctx.since)


@flow.step
def to_row(product: Product) -> dict[str, Any]:
    """The `products` row of one active product."""
    if not product.variants:
        raise BadRecord(f"product {product.id} has no variant, so no price")
    return {
        "id": product.id,
        "title": product.title,
        "vendor": product.vendor,
        "price": product.variants[0].price.amount,
        "updated_at": product.updated_at,
    }


@flow.sink
def upsert_row(row: dict[str, Any], db: SqlDatabase) -> UpsertResult:
    """Insert the row, or update the one with this product id."""
    return db.tables.upsert("products", [row], key=["id"])
