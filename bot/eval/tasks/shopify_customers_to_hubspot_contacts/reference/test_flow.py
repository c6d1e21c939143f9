"""Stories of Shopify customers becoming HubSpot contacts."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_an_enabled_customer_becomes_a_contact() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_customer(**story.fixture("customer.json"))

        report = story.run()

        assert report.delivered_keys == ["207119551"]
        contact = story.simulator(HubSpotSimulator).find("contacts", "email",
                                                         "bob.norman@example.com")
        assert contact is not None
        assert (contact["firstname"], contact["lastname"]) == ("Bob", "Norman")
        assert contact["phone"] == "+16135551111"


def test_a_rerun_adds_no_second_contact() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_customer(**story.fixture("customer.json"))

        story.run()
        story.run()

        assert story.simulator(HubSpotSimulator).count("contacts") == 1


def test_no_email_is_bad_and_a_disabled_account_is_skipped() -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        shop.add_customer(**{**story.fixture("customer.json"), "id": "1", "email": None})
        shop.add_customer(**{**story.fixture("customer.json"), "id": "2", "state": "disabled"})

        report = story.run()

        assert report.bad_keys == ["1"]
        assert report.skipped_keys == ["2"]
        assert story.simulator(HubSpotSimulator).count("contacts") == 0
