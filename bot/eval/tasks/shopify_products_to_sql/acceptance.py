"""Acceptance: active Shopify products are upserted into the SQL table `products` by id.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
Each test gives the flow a throwaway database holding the empty table the issue describes.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.shopify.simulator import ShopifySimulator
from connectors.sql.simulator import SqlSimulator
from flowkit import Flow
from flowkit.testing import FlowTest

COLUMNS = {"id": "text", "title": "text", "vendor": "text", "price": "numeric",
           "updated_at": "timestamp"}


def _database(story: FlowTest) -> SqlSimulator:
    """The story's database, with the empty `products` table."""
    db = story.simulator(SqlSimulator)
    db.create_table("products", COLUMNS, key=["id"])
    return db


def _rows(db: SqlSimulator) -> dict[str, dict[str, Any]]:
    """The table's rows by id."""
    return {str(row["id"]): row for row in db.rows("products")}


def _variant(variant_id: int, product_id: int, price: str, position: int) -> dict[str, Any]:
    return {"id": variant_id, "product_id": product_id, "title": f"Option {position}",
            "price": price, "position": position, "sku": None,
            "created_at": "2024-02-01T09:00:00-05:00", "updated_at": "2024-02-01T09:00:00-05:00"}


def _product(shop: ShopifySimulator, product_id: int, *, prices: tuple[str, ...] = ("10.00",),
             **fields: Any) -> None:
    shop.add_product(**{
        "id": product_id, "title": f"Product {product_id}", "vendor": "Northfield Goods",
        "status": "active", "created_at": "2024-02-01T09:00:00-05:00",
        "updated_at": "2024-02-01T09:00:00-05:00",
        "variants": [_variant(product_id * 10 + n, product_id, price, n)
                     for n, price in enumerate(prices, start=1)],
        **fields})


def test_active_products_arrive_with_the_right_columns(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        shop = story.simulator(ShopifySimulator)
        _product(shop, 9001, title="Linen Apron", vendor="Harbor & Pine",
                 prices=("24.50", "26.00", "31.00"), updated_at="2024-03-05T10:30:00-05:00")
        _product(shop, 9002, title="Ceramic Mug", vendor="Little Loom", prices=("12.00",),
                 updated_at="2024-03-06T23:15:00-05:00")

        report = story.run()

        assert sorted(report.delivered_keys) == ["9001", "9002"]
        rows = _rows(db)
        assert set(rows) == {"9001", "9002"}
        apron, mug = rows["9001"], rows["9002"]
        assert apron["title"] == "Linen Apron"
        assert apron["vendor"] == "Harbor & Pine"
        assert apron["price"] == Decimal("24.50")
        assert apron["updated_at"] == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
        assert mug["title"] == "Ceramic Mug"
        assert mug["vendor"] == "Little Loom"
        assert mug["price"] == Decimal("12.00")
        assert mug["updated_at"] == datetime(2024, 3, 7, 4, 15, tzinfo=UTC)


def test_nothing_is_written_twice_and_a_change_updates_the_row(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        shop = story.simulator(ShopifySimulator)
        _product(shop, 9101, title="Wool Beanie", prices=("18.00", "19.00"))
        _product(shop, 9102, title="Canvas Tote")

        story.run()
        story.run()
        assert set(_rows(db)) == {"9101", "9102"}

        _product(shop, 9101, title="Wool Beanie, Merino", prices=("21.00", "19.00"),
                 updated_at="2024-04-01T12:00:00-05:00")
        story.run()

        rows = _rows(db)
        assert set(rows) == {"9101", "9102"}
        assert rows["9101"]["title"] == "Wool Beanie, Merino"
        assert rows["9101"]["price"] == Decimal("21.00")
        assert rows["9101"]["updated_at"] == datetime(2024, 4, 1, 17, 0, tzinfo=UTC)
        assert rows["9102"]["title"] == "Canvas Tote"


def test_drafts_archived_and_products_without_variants_stay_out(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        shop = story.simulator(ShopifySimulator)
        _product(shop, 9201, status="draft")
        _product(shop, 9202, status="archived")
        _product(shop, 9203, prices=())
        _product(shop, 9204, prices=("5.00",))

        report = story.run()

        assert report.bad_keys == ["9203"]
        assert report.delivered_keys == ["9204"]
        assert report.failed_keys == []
        assert not {"9201", "9202"} & set(report.bad_keys + report.delivered_keys)
        assert set(_rows(db)) == {"9204"}
