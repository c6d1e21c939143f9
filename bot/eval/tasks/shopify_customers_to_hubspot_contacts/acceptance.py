"""Acceptance: enabled Shopify customers become HubSpot contacts, matched by email.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _customer(shop: ShopifySimulator, id: str, **fields: object) -> None:
    shop.add_customer(**{"id": id, "email": f"c{id}@example.org", "first_name": f"First{id}",
                         "last_name": f"Last{id}", "phone": f"+1555000{id:0>4}",
                         "state": "enabled", **fields})


def test_the_right_customers_arrive_with_the_right_fields(flow: Flow) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        for id in ("11", "12", "13"):
            _customer(shop, id)

        story.run()

        crm = story.simulator(HubSpotSimulator)
        assert crm.count("contacts") == 3
        for id in ("11", "12", "13"):
            contact = crm.find("contacts", "email", f"c{id}@example.org")
            assert contact is not None
            assert contact["firstname"] == f"First{id}"
            assert contact["lastname"] == f"Last{id}"
            assert contact["phone"] == f"+1555000{id:0>4}"


def test_nothing_is_written_twice(flow: Flow) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        _customer(shop, "21")
        _customer(shop, "22")

        story.run()
        story.run()

        assert story.simulator(HubSpotSimulator).count("contacts") == 2


def test_bad_and_unwanted_customers_are_handled_as_asked(flow: Flow) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        _customer(shop, "31", email=None)
        _customer(shop, "32", state="disabled")
        _customer(shop, "33", state="declined")
        _customer(shop, "34")

        report = story.run()

        assert report.bad_keys == ["31"]
        assert sorted(report.skipped_keys) == ["32", "33"]
        crm = story.simulator(HubSpotSimulator)
        assert crm.count("contacts") == 1
        assert crm.find("contacts", "email", "c34@example.org") is not None
