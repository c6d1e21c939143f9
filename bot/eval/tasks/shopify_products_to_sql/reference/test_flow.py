"""Stories of active Shopify products becoming rows of the `products` table."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors.shopify.simulator import ShopifySimulator
from connectors.sql.simulator import SqlSimulator
from flowkit.testing import FlowTest

from .flow import flow

COLUMNS = {"id": "text", "title": "text", "vendor": "text", "price": "numeric",
           "updated_at": "timestamp"}


def _products_table(story: FlowTest) -> SqlSimulator:
    """The database, holding the empty `products` table the flow writes to."""
    db = story.simulator(SqlSimulator)
    db.create_table("products", COLUMNS, key=["id"])
    return db


def _product(story: FlowTest, **fields: Any) -> dict[str, Any]:
    """The fixture product (two variants, 24.50 then 26.00), with `fields` overriding."""
    return {**story.fixture("product.json"), **fields}


def test_an_active_product_becomes_a_row_with_its_first_variants_price() -> None:
    with FlowTest(flow) as story:
        db = _products_table(story)
        story.simulator(ShopifySimulator).add_product(**_product(story))

        report = story.run()

        assert report.delivered_keys == ["632910392"]
        assert db.rows("products") == [{
            "id": "632910392", "title": "Linen Apron", "vendor": "Harbor & Pine",
            "price": Decimal("24.50"), "updated_at": datetime(2024, 3, 5, 15, 30, tzinfo=UTC)}]


def test_a_rerun_adds_no_row_and_a_change_updates_it() -> None:
    with FlowTest(flow) as story:
        db = _products_table(story)
        shop = story.simulator(ShopifySimulator)
        shop.add_product(**_product(story))

        story.run()
        story.run()
        shop.add_product(**_product(story, title="Linen Apron, Long",
                                    updated_at="2024-04-01T12:00:00-05:00"))
        story.run()

        assert db.count("products") == 1
        [row] = db.rows("products")
        assert row["title"] == "Linen Apron, Long"
        assert row["updated_at"] == datetime(2024, 4, 1, 17, 0, tzinfo=UTC)


def test_drafts_stay_out_and_a_product_without_variants_is_bad() -> None:
    with FlowTest(flow) as story:
        db = _products_table(story)
        shop = story.simulator(ShopifySimulator)
        shop.add_product(**_product(story, id="1", status="draft"))
        shop.add_product(**_product(story, id="2", status="archived"))
        shop.add_product(**_product(story, id="3", variants=[]))

        report = story.run()

        assert report.bad_keys == ["3"]
        assert report.delivered_keys == []
        assert db.count("products") == 0
