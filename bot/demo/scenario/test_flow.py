"""Stories of Stripe customers becoming HubSpot contacts."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_customer_becomes_a_contact_matched_by_email() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(**story.fixture("customer.json"))

        report = story.run()

        assert report.delivered_keys == ["cus_demo0001"]
        contact = story.simulator(HubSpotSimulator).find("contacts", "email", "ada@example.com")
        assert contact is not None
        assert contact["firstname"] == "Ada"
        assert contact["lastname"] == "Lovelace"


def test_a_rerun_updates_the_contact_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(**story.fixture("customer.json"))

        story.run()
        story.run()

        assert story.simulator(HubSpotSimulator).count("contacts") == 1


def test_a_customer_without_an_email_is_skipped_as_bad() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(
            **story.fixture("customer_without_email.json"))

        report = story.run()

        assert report.bad_keys == ["cus_demo0002"]
        assert story.simulator(HubSpotSimulator).count("contacts") == 0
