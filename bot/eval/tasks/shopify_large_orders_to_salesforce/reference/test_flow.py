"""Stories of large paid Shopify orders becoming Salesforce opportunities."""

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_large_paid_order_becomes_a_won_opportunity() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("large_order.json"))

        report = story.run()

        assert report.delivered_keys == ["450789480"]
        [record] = story.simulator(SalesforceSimulator).records("Opportunity")
        assert record["External_Id__c"] == "450789480"
        assert record["Name"] == "Shopify order #1010"
        assert record["StageName"] == "Closed Won"
        assert record["CloseDate"] == "2026-11-03"
        assert record["Amount"] == 1499.0
        assert record["CurrencyIsoCode"] == "USD"


def test_a_rerun_updates_the_opportunity_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("large_order.json"))

        story.run()
        story.run()

        assert len(story.simulator(SalesforceSimulator).records("Opportunity")) == 1


def test_small_and_test_orders_are_skipped() -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        order = story.fixture("large_order.json")
        shop.add_order(**{**order, "id": 1, "total_price": "999.99"})
        shop.add_order(**{**order, "id": 2, "test": True})

        report = story.run()

        assert sorted(report.skipped_keys) == ["1", "2"]
        assert story.simulator(SalesforceSimulator).records("Opportunity") == []


def test_unpaid_orders_stay_in_shopify() -> None:
    with FlowTest(flow) as story:
        order = story.fixture("large_order.json")
        story.simulator(ShopifySimulator).add_order(**{**order, "financial_status": "pending"})

        report = story.run()

        assert report.results == []
        assert story.simulator(SalesforceSimulator).records("Opportunity") == []
