"""Acceptance: new HubSpot companies are announced once in #sales.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.slack.simulator import SlackSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _story(flow: Flow) -> FlowTest:
    """A workspace with only #general, and a #sales channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("sales")
    return story


def _sales(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [str(message["text"]) for message in slack.posted(slack.channel_id("sales"))]


def _company(crm: HubSpotSimulator, n: int, **fields: str) -> str:
    properties = {"name": f"Company{n} Holdings", "domain": f"company{n}.example",
                  "industry": f"Industry{n}", "createdate": f"2026-11-02T09:{n:02d}:00Z",
                  **fields}
    return crm.add("companies", {k: v for k, v in properties.items() if v})


def _one_message_about(texts: list[str], word: str) -> str:
    about = [text for text in texts if word in text]
    assert len(about) == 1, f"expected one message about {word}, got {texts}"
    return about[0]


def test_each_company_is_announced_with_name_domain_and_industry(flow: Flow) -> None:
    with _story(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        for n in (11, 12, 13):
            _company(crm, n)
        _company(crm, 14, domain="", industry="")

        report = story.run()

        texts = _sales(story)
        assert len(texts) == 4
        assert report.failed_keys == []
        for n in (11, 12, 13):
            text = _one_message_about(texts, f"Company{n} Holdings")
            assert f"company{n}.example" in text
            assert f"Industry{n}" in text
        assert "Company14 Holdings" in _one_message_about(texts, "Company14")


def test_a_run_from_the_last_cursor_posts_nothing_twice(flow: Flow) -> None:
    with _story(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        _company(crm, 21)
        _company(crm, 22)

        first = story.run()
        story.clock.advance(600)
        again = story.run(cursor=first.cursor)

        assert len(_sales(story)) == 2
        assert again.delivered_keys == []

        _company(crm, 23, createdate="2026-11-02T10:00:00Z")
        story.clock.advance(600)
        third = story.run(cursor=again.cursor)

        texts = _sales(story)
        assert len(texts) == 3
        assert "Company23 Holdings" in texts[-1]
        assert len(third.delivered_keys) == 1


def test_a_company_with_neither_name_nor_domain_is_bad(flow: Flow) -> None:
    with _story(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        blank = _company(crm, 31, name="", domain="")
        _company(crm, 32, domain="")
        _company(crm, 33, name="")

        report = story.run()

        assert report.bad_keys == [blank]
        texts = _sales(story)
        assert len(texts) == 2
        assert "Company32 Holdings" in _one_message_about(texts, "Company32")
        assert "company33.example" in _one_message_about(texts, "company33.example")
        assert not any("Industry31" in text for text in texts)
