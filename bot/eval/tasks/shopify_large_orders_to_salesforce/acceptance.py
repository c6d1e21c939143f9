"""Acceptance: large paid Shopify orders become Closed Won Salesforce opportunities.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.shopify.simulator import ShopifySimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _order(shop: ShopifySimulator, id: int, total: str, **fields: Any) -> None:
    shop.add_order(**{"id": id, "name": f"#{id}", "order_number": id, "financial_status": "paid",
                      "currency": shop.currency, "total_price": total,
                      "created_at": "2026-11-02T10:00:00-05:00",
                      "updated_at": "2026-11-02T10:05:00-05:00",
                      "processed_at": "2026-11-02T10:00:00-05:00", "test": False, **fields})


def _opportunities(story: FlowTest) -> dict[str, dict[str, Any]]:
    """The org's opportunities by External_Id__c (each id at most once)."""
    records = story.simulator(SalesforceSimulator).records("Opportunity")
    by_id = {str(record.get("External_Id__c")): record for record in records}
    assert len(by_id) == len(records), f"an order has several opportunities: {records}"
    return by_id


def test_large_paid_orders_arrive_with_the_right_fields(flow: Flow) -> None:
    with FlowTest(flow, options={"shopify": {"currency": "EUR"}}) as story:
        shop = story.simulator(ShopifySimulator)
        _order(shop, 5001, "2450.75")
        _order(shop, 5002, "1000.00", processed_at="2026-11-02T21:30:00-05:00",
               updated_at="2026-11-02T21:40:00-05:00")
        _order(shop, 5003, "3000.00", financial_status="pending")
        _order(shop, 5004, "5000.00", financial_status="refunded")

        report = story.run()

        assert report.failed_keys == []
        opportunities = _opportunities(story)
        assert sorted(opportunities) == ["5001", "5002"]
        first, second = opportunities["5001"], opportunities["5002"]
        assert first["Name"] == "Shopify order #5001"
        assert first["StageName"] == "Closed Won"
        assert first["CloseDate"] == "2026-11-02"
        assert first["Amount"] == 2450.75
        assert first["CurrencyIsoCode"] == "EUR"
        assert second["Name"] == "Shopify order #5002"
        assert second["StageName"] == "Closed Won"
        assert second["CloseDate"] == "2026-11-03"
        assert second["Amount"] == 1000.0
        assert second["CurrencyIsoCode"] == "EUR"


def test_reruns_and_edits_update_the_same_opportunity(flow: Flow) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        _order(shop, 6001, "1200.00")
        _order(shop, 6002, "8000.00")

        story.run()
        story.run()

        assert sorted(_opportunities(story)) == ["6001", "6002"]

        with shop.lock:
            shop.orders[6001]["total_price"] = "1350.00"
            shop.orders[6001]["updated_at"] = "2026-11-03T09:00:00-05:00"
        story.run()

        opportunities = _opportunities(story)
        assert sorted(opportunities) == ["6001", "6002"]
        assert opportunities["6001"]["Amount"] == 1350.0


def test_small_and_test_orders_are_skipped(flow: Flow) -> None:
    with FlowTest(flow) as story:
        shop = story.simulator(ShopifySimulator)
        _order(shop, 7001, "999.99")
        _order(shop, 7002, "25.00")
        _order(shop, 7003, "4200.00", test=True)
        _order(shop, 7004, "1000.01")

        report = story.run()

        assert sorted(report.skipped_keys) == ["7001", "7002", "7003"]
        assert report.delivered_keys == ["7004"]
        assert sorted(_opportunities(story)) == ["7004"]
