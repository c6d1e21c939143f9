"""Stories of HubSpot customers becoming Stripe customers."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _customers(story: FlowTest, email: str) -> list[dict[str, object]]:
    return [c for c in story.simulator(StripeSimulator).listing("customer")
            if c["email"] == email]


def test_a_customer_contact_becomes_a_stripe_customer() -> None:
    with FlowTest(flow) as story:
        contact_id = story.simulator(HubSpotSimulator).add("contacts",
                                                           story.fixture("customer_contact.json"))

        report = story.run()

        assert report.delivered_keys == [contact_id]
        [customer] = _customers(story, "grace@example.com")
        assert customer["name"] == "Grace Hopper"


def test_a_rerun_creates_nothing_twice() -> None:
    with FlowTest(flow) as story:
        story.simulator(HubSpotSimulator).add("contacts", story.fixture("customer_contact.json"))

        story.run()
        story.run()

        assert len(story.simulator(StripeSimulator).listing("customer")) == 1


def test_an_email_stripe_already_has_is_not_created_again() -> None:
    with FlowTest(flow) as story:
        known = story.simulator(StripeSimulator).add_customer(email="grace@example.com",
                                                              name="G. Hopper (billing)")
        story.simulator(HubSpotSimulator).add("contacts", story.fixture("customer_contact.json"))

        story.run()

        [customer] = _customers(story, "grace@example.com")
        assert customer["id"] == known["id"]
        assert customer["name"] == "G. Hopper (billing)"


def test_leads_are_skipped_and_no_email_is_bad() -> None:
    with FlowTest(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        contact = story.fixture("customer_contact.json")
        lead = crm.add("contacts", {**contact, "lifecyclestage": "lead"})
        nameless = crm.add("contacts", {**contact, "email": ""})

        report = story.run()

        assert report.skipped_keys == [lead]
        assert report.bad_keys == [nameless]
        assert story.simulator(StripeSimulator).listing("customer") == []
