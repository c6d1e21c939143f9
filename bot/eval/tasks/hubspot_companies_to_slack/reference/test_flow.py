"""Stories of new HubSpot companies announced in #sales."""

from datetime import UTC, datetime

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _story() -> FlowTest:
    """A workspace with only #general, and a #sales channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("sales")
    return story


def _sales(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("sales"))]


def test_a_new_company_is_announced_with_name_domain_and_industry() -> None:
    with _story() as story:
        company_id = story.simulator(HubSpotSimulator).add("companies",
                                                           story.fixture("company.json"))

        report = story.run()

        assert report.delivered_keys == [company_id]
        assert _sales(story) == ["New company: Acme Robotics (acme.example), Manufacturing"]


def test_the_next_run_announces_only_companies_created_since() -> None:
    with _story() as story:
        crm = story.simulator(HubSpotSimulator)
        crm.add("companies", story.fixture("company.json"))
        first = story.run()

        crm.add("companies", {"name": "Birch Foods", "createdate": "2026-11-03T08:00:00Z"})
        second = story.run(cursor=first.cursor)

        assert first.cursor == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        assert len(second.delivered_keys) == 1
        assert _sales(story)[-1] == "New company: Birch Foods"
        assert len(_sales(story)) == 2


def test_a_company_with_nothing_to_announce_is_bad_and_not_posted() -> None:
    with _story() as story:
        story.simulator(HubSpotSimulator).add("companies", story.fixture("blank_company.json"))

        report = story.run()

        assert len(report.bad_keys) == 1
        assert _sales(story) == []
