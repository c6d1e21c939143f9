"""Acceptance: Closed Won Salesforce opportunities are announced once in #wins.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _story(flow: Flow) -> FlowTest:
    """An empty org, and a workspace with only #general and a #wins channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("wins")
    return story


def _wins(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [str(message["text"]) for message in slack.posted(slack.channel_id("wins"))]


def _opportunity(story: FlowTest, name: str, stage: str, amount: str | None, currency: str,
                 modified: datetime) -> str:
    return story.simulator(SalesforceSimulator).add_record("Opportunity", {
        "Name": name, "StageName": stage, "CloseDate": date(2026, 11, 2),
        "Amount": Decimal(amount) if amount is not None else None,
        "CurrencyIsoCode": currency, "LastModifiedDate": modified})


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 2, hour, minute, tzinfo=UTC)


def _one_message_about(texts: list[str], name: str) -> str:
    about = [text for text in texts if name in text]
    assert len(about) == 1, f"expected one message about {name}, got {texts}"
    return about[0]


def _shows_amount(text: str, amount: str, currency: str) -> bool:
    """The amount in any usual spelling (12500.5, 12500.50, 12,500.50) and the currency code."""
    whole, _, cents = amount.partition(".")
    pattern = rf"(?<![\d.]){whole}\.{cents.rstrip('0')}0?(?!\d)"
    return re.search(pattern, text.replace(",", "")) is not None and currency in text


def test_won_opportunities_are_announced_with_name_and_amount(flow: Flow) -> None:
    with _story(flow) as story:
        _opportunity(story, "Alder Logistics renewal", "Closed Won", "12500.50", "EUR", _at(9))
        _opportunity(story, "Birch Foods expansion", "Closed Won", "980.25", "USD", _at(9, 5))
        _opportunity(story, "Cedar Analytics pilot", "Prospecting", "4000.75", "USD", _at(9, 10))
        _opportunity(story, "Delta Textiles upsell", "Closed Lost", "7300.10", "GBP", _at(9, 15))
        _opportunity(story, "Ember Robotics deal", "Negotiation/Review", "150.40", "EUR",
                     _at(9, 20))

        report = story.run()

        assert report.failed_keys == []
        texts = _wins(story)
        assert len(texts) == 2
        assert _shows_amount(_one_message_about(texts, "Alder Logistics renewal"),
                             "12500.50", "EUR")
        assert _shows_amount(_one_message_about(texts, "Birch Foods expansion"), "980.25", "USD")


def test_a_run_from_the_last_cursor_announces_nothing_twice(flow: Flow) -> None:
    with _story(flow) as story:
        _opportunity(story, "Fjord Studios renewal", "Closed Won", "3100.20", "EUR", _at(10))
        pending = _opportunity(story, "Granite Foods order", "Proposal/Price Quote", "870.60",
                               "USD", _at(10, 5))
        _opportunity(story, "Harbor Analytics license", "Closed Won", "2200.30", "GBP",
                     _at(10, 10))

        first = story.run()
        story.clock.advance(900)
        again = story.run(cursor=first.cursor)

        assert len(_wins(story)) == 2
        assert again.delivered_keys == []

        story.simulator(SalesforceSimulator).set_raw("Opportunity", pending, {
            "StageName": "Closed Won", "LastModifiedDate": _at(11)})
        story.clock.advance(900)
        story.run(cursor=again.cursor)

        texts = _wins(story)
        assert len(texts) == 3
        assert "Granite Foods order" in texts[-1]
        assert _shows_amount(texts[-1], "870.60", "USD")


def test_a_win_without_an_amount_is_bad(flow: Flow) -> None:
    with _story(flow) as story:
        bad = _opportunity(story, "Iris Logistics deal", "Closed Won", None, "EUR", _at(12))
        _opportunity(story, "Juniper Foods deal", "Closed Won", "640.15", "EUR", _at(12, 5))

        report = story.run()

        assert report.bad_keys == [bad]
        texts = _wins(story)
        assert len(texts) == 1
        assert "Juniper Foods deal" in texts[0]
        assert not any("Iris Logistics" in text for text in texts)
