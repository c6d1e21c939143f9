"""Stories of won Salesforce opportunities announced in #wins."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _story() -> FlowTest:
    """An empty org, and a workspace with only #general and a #wins channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("wins")
    return story


def _wins(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("wins"))]


def _opportunity(story: FlowTest, **fields: Any) -> str:
    """Store the fixture's opportunity (typed, as the org keeps it), `fields` overriding."""
    raw = story.fixture("won_opportunity.json")
    return story.simulator(SalesforceSimulator).add_record("Opportunity", {
        **raw, "CloseDate": date.fromisoformat(raw["CloseDate"]), "Amount": Decimal(raw["Amount"]),
        "LastModifiedDate": datetime.fromisoformat(raw["LastModifiedDate"]), **fields})


def test_a_won_opportunity_is_announced_with_its_amount() -> None:
    with _story() as story:
        won = _opportunity(story)

        report = story.run()

        assert report.delivered_keys == [won]
        assert _wins(story) == ["Won: Alder Logistics renewal, 12500.50 EUR"]


def test_other_stages_are_skipped() -> None:
    with _story() as story:
        open_deal = _opportunity(story, StageName="Negotiation/Review")

        report = story.run()

        assert report.skipped_keys == [open_deal]
        assert _wins(story) == []


def test_the_next_run_announces_only_what_changed_since() -> None:
    with _story() as story:
        _opportunity(story)
        first = story.run()

        later = _opportunity(story, Name="Birch Foods expansion", Amount=Decimal("980.25"),
                             CurrencyIsoCode="USD",
                             LastModifiedDate=datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
        second = story.run(cursor=first.cursor)

        assert first.cursor == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        assert second.delivered_keys == [later]
        assert _wins(story)[-1] == "Won: Birch Foods expansion, 980.25 USD"
        assert len(_wins(story)) == 2


def test_a_win_without_an_amount_is_bad_and_not_posted() -> None:
    with _story() as story:
        bad = _opportunity(story, Amount=None)

        report = story.run()

        assert report.bad_keys == [bad]
        assert _wins(story) == []
