"""Acceptance: fully refunded Shopify orders are announced in #support, once each.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.shopify.simulator import ShopifySimulator
from connectors.slack.simulator import SlackSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _story(flow: Flow) -> FlowTest:
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("support")
    return story


def _order(story: FlowTest, id: int, number: int, *, updated: str = "2026-11-03T09:30:00Z",
           **fields: Any) -> None:
    story.simulator(ShopifySimulator).add_order(**{
        "id": id, "name": f"#{number}", "order_number": number, "financial_status": "refunded",
        "currency": "USD", "total_price": "215.50", "subtotal_price": "199.00",
        "total_tax": "16.50", "created_at": "2026-11-02T10:15:00Z", "updated_at": updated,
        "processed_at": "2026-11-02T10:15:00Z", "cancelled_at": None, "closed_at": None,
        "test": False, **fields})


def _support(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("support"))]


def _about(texts: list[str], name: str) -> list[str]:
    """The messages naming order `name` (#2001 but not #20010)."""
    return [text for text in texts
            if name in text and not any(f"{name}{digit}" in text for digit in "0123456789")]


def test_each_refunded_order_is_announced_with_its_name_and_total(flow: Flow) -> None:
    with _story(flow) as story:
        _order(story, 910001, 2001)
        _order(story, 910002, 2002, currency="EUR", total_price="80.00", subtotal_price="70.00",
               total_tax="10.00", updated="2026-11-03T10:00:00Z")

        report = story.run()

        assert sorted(report.delivered_keys) == ["910001", "910002"]
        texts = _support(story)
        assert len(texts) == 2
        [first] = _about(texts, "#2001")
        assert "215.50" in first
        assert "USD" in first
        assert "199.00" not in first
        [second] = _about(texts, "#2002")
        assert "80.00" in second
        assert "EUR" in second


def test_a_later_run_does_not_announce_earlier_orders_again(flow: Flow) -> None:
    with _story(flow) as story:
        _order(story, 910011, 2011, updated="2026-11-03T09:00:00Z")
        _order(story, 910012, 2012, updated="2026-11-03T09:30:00Z")
        first = story.run()
        assert len(_support(story)) == 2

        _order(story, 910013, 2013, updated="2026-11-04T12:00:00Z")
        story.run(cursor=first.cursor)

        # The order at the cursor itself may be read again: in production the runtime's ledger
        # keeps it from a second post. Anything older must not be read again at all.
        texts = _support(story)
        assert len(_about(texts, "#2011")) == 1
        assert len(_about(texts, "#2013")) == 1


def test_only_real_fully_refunded_orders_are_announced(flow: Flow) -> None:
    with _story(flow) as story:
        _order(story, 910021, 2021, test=True)
        _order(story, 910022, 2022, financial_status="partially_refunded")
        _order(story, 910023, 2023, financial_status="paid")
        _order(story, 910024, 2024)

        report = story.run()

        assert report.delivered_keys == ["910024"]
        assert report.bad_keys == []
        assert report.failed_keys == []
        texts = _support(story)
        assert len(texts) == 1
        assert _about(texts, "#2024") == texts
