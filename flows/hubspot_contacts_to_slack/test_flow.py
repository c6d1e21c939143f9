"""Stories of new HubSpot contacts announced in #sales."""

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


def test_a_new_contact_is_announced_with_name_company_and_email() -> None:
    with _story() as story:
        story.simulator(HubSpotSimulator).add("contacts", story.fixture("contact.json"))

        report = story.run()

        assert len(report.delivered_keys) == 1
        assert _sales(story) == ["New contact: Grace Hopper (Navy), grace@example.com"]


def test_the_next_run_announces_only_contacts_created_since() -> None:
    with _story() as story:
        crm = story.simulator(HubSpotSimulator)
        crm.add("contacts", story.fixture("contact.json"))
        first = story.run()

        crm.add("contacts", {"firstname": "Ada", "createdate": "2026-11-03T08:00:00Z"})
        second = story.run(cursor=first.cursor)

        assert first.cursor == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        assert len(second.delivered_keys) == 1
        assert _sales(story)[-1] == "New contact: Ada"


def test_a_contact_with_nothing_to_announce_is_bad_and_not_posted() -> None:
    with _story() as story:
        story.simulator(HubSpotSimulator).add("contacts", story.fixture("nameless_contact.json"))

        report = story.run()

        assert len(report.bad_keys) == 1
        assert _sales(story) == []
