"""Stories of failed Stripe charges announced in #billing-alerts."""

from datetime import UTC, datetime

from connectors.slack.simulator import SlackSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _story() -> FlowTest:
    """A workspace with only #general, and a #billing-alerts channel the bot is in."""
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("billing-alerts")
    return story


def _invoice(story: FlowTest) -> str:
    stripe = story.simulator(StripeSimulator)
    customer = stripe.add_customer(email="ada@example.com")
    return str(stripe.add_invoice(str(customer["id"]), currency="eur")["id"])


def _alerts(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("billing-alerts"))]


def test_a_failed_charge_is_announced_with_amount_customer_and_reason() -> None:
    with _story() as story:
        story.simulator(StripeSimulator).add_charge(_invoice(story),
                                                    **story.fixture("failed_charge.json"))

        report = story.run()

        assert report.delivered_keys == ["ch_demo0001"]
        assert _alerts(story) == [
            "Payment failed: 49.00 EUR from ada@example.com (Your card was declined.)"]


def test_succeeded_and_pending_charges_are_not_announced() -> None:
    with _story() as story:
        stripe = story.simulator(StripeSimulator)
        invoice = _invoice(story)
        stripe.add_charge(invoice, id="ch_ok", status="succeeded", created=1793610000)
        stripe.add_charge(invoice, id="ch_wait", status="pending", created=1793610060)

        report = story.run()

        assert sorted(report.skipped_keys) == ["ch_ok", "ch_wait"]
        assert _alerts(story) == []


def test_the_next_run_announces_only_charges_created_since() -> None:
    with _story() as story:
        stripe = story.simulator(StripeSimulator)
        invoice = _invoice(story)
        stripe.add_charge(invoice, **story.fixture("failed_charge.json"))
        first = story.run()

        stripe.add_charge(invoice, id="ch_demo0002", status="failed", amount=1250,
                          currency="eur", created=1793613600)
        second = story.run(cursor=first.cursor)

        assert first.cursor == datetime.fromtimestamp(1793610000, tz=UTC)
        assert second.delivered_keys == ["ch_demo0002"]
        assert len(_alerts(story)) == 2
