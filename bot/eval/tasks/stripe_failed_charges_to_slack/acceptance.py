"""Acceptance: failed Stripe charges are announced in #billing-alerts, once each.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.slack.simulator import SlackSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.testing import FlowTest

T0 = 1_793_600_000
"""A fixed creation time (epoch seconds) the charges are placed after."""


def _story(flow: Flow) -> FlowTest:
    story = FlowTest(flow, options={"slack": {"channels": 1}})
    story.simulator(SlackSimulator).add_channel("billing-alerts")
    return story


def _invoice(story: FlowTest, email: str, currency: str) -> str:
    stripe = story.simulator(StripeSimulator)
    customer = stripe.add_customer(email=email)
    return str(stripe.add_invoice(str(customer["id"]), currency=currency)["id"])


def _charge(story: FlowTest, invoice: str, id: str, status: str, amount: int,
            minute: int) -> dict[str, Any]:
    return story.simulator(StripeSimulator).add_charge(
        invoice, id=id, status=status, amount=amount, created=T0 + 60 * minute)


def _alerts(story: FlowTest) -> list[str]:
    slack = story.simulator(SlackSimulator)
    return [message["text"] for message in slack.posted(slack.channel_id("billing-alerts"))]


def test_each_failed_charge_is_announced_with_amount_currency_and_customer(flow: Flow) -> None:
    with _story(flow) as story:
        euros = _invoice(story, "ada@example.com", "eur")
        dollars = _invoice(story, "grace@example.org", "usd")
        _charge(story, euros, "ch_accept01", "failed", 4900, 1)
        _charge(story, dollars, "ch_accept02", "failed", 123456, 2)

        report = story.run()

        assert sorted(report.delivered_keys) == ["ch_accept01", "ch_accept02"]
        alerts = _alerts(story)
        assert len(alerts) == 2
        [ada] = [text for text in alerts if "ada@example.com" in text]
        assert "49.00" in ada
        assert "EUR" in ada
        [grace] = [text for text in alerts if "grace@example.org" in text]
        assert "USD" in grace
        assert ("1234.56" in grace or "1,234.56" in grace)


def test_a_later_run_does_not_announce_earlier_charges_again(flow: Flow) -> None:
    with _story(flow) as story:
        invoice = _invoice(story, "ada@example.com", "eur")
        _charge(story, invoice, "ch_accept11", "failed", 1111, 1)
        _charge(story, invoice, "ch_accept12", "failed", 2222, 2)
        first = story.run()
        assert len(_alerts(story)) == 2

        _charge(story, invoice, "ch_accept13", "failed", 3333, 30)
        story.run(cursor=first.cursor)

        # The charge at the cursor itself may be read again: in production the runtime's ledger
        # keeps it from a second post. Anything older must not be read again at all.
        alerts = _alerts(story)
        assert sum("11.11" in text for text in alerts) == 1
        assert sum("33.33" in text for text in alerts) == 1


def test_succeeded_and_pending_charges_are_not_announced(flow: Flow) -> None:
    with _story(flow) as story:
        invoice = _invoice(story, "ada@example.com", "eur")
        _charge(story, invoice, "ch_accept21", "succeeded", 2100, 1)
        _charge(story, invoice, "ch_accept22", "pending", 2200, 2)
        _charge(story, invoice, "ch_accept23", "failed", 2300, 3)

        report = story.run()

        assert report.delivered_keys == ["ch_accept23"]
        assert report.bad_keys == []
        assert report.failed_keys == []
        alerts = _alerts(story)
        assert len(alerts) == 1
        assert "23.00" in alerts[0]
