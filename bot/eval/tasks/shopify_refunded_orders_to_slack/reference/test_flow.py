"""Stories of refunded Shopify orders announced in #support."""

from datetime import UTC, datetime

from connectors.shopify.simulator import ShopifySimulator
from connectors.slack.simulator import SlackSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _story() -> FlowTest:
    """A workspace with only #general, and a #support channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("support")
    return story


def _support(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("support"))]


def test_a_refunded_order_is_announced_with_its_name_and_total() -> None:
    with _story() as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("refunded_order.json"))

        report = story.run()

        assert report.delivered_keys == ["450789480"]
        assert _support(story) == ["Order #1001 was refunded: 215.50 USD"]


def test_test_orders_are_skipped_and_other_statuses_are_not_read() -> None:
    with _story() as story:
        shop = story.simulator(ShopifySimulator)
        refunded = story.fixture("refunded_order.json")
        shop.add_order(**{**refunded, "id": 1, "name": "#1002", "test": True})
        shop.add_order(**{**refunded, "id": 2, "name": "#1003",
                          "financial_status": "partially_refunded"})
        shop.add_order(**{**refunded, "id": 3, "name": "#1004", "financial_status": "paid"})

        report = story.run()

        assert report.skipped_keys == ["1"]
        assert report.delivered_keys == []
        assert _support(story) == []


def test_the_next_run_announces_only_orders_refunded_since() -> None:
    with _story() as story:
        shop = story.simulator(ShopifySimulator)
        refunded = story.fixture("refunded_order.json")
        shop.add_order(**refunded)
        first = story.run()

        shop.add_order(**{**refunded, "id": 450789481, "name": "#1005",
                          "updated_at": "2026-11-04T08:00:00-05:00"})
        second = story.run(cursor=first.cursor)

        assert first.cursor == datetime(2026, 11, 3, 14, 30, tzinfo=UTC)
        assert second.delivered_keys == ["450789481"]
        assert _support(story)[-1] == "Order #1005 was refunded: 215.50 USD"
