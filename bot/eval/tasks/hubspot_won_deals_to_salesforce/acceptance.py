"""Acceptance: won HubSpot deals become Closed Won Salesforce opportunities, by deal id.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from decimal import Decimal
from typing import Any

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _deal(story: FlowTest, name: str, **fields: str) -> str:
    return story.simulator(HubSpotSimulator).add("deals", {
        "dealname": name, "dealstage": "closedwon", "pipeline": "default", "amount": "1500.00",
        "closedate": "2026-11-02T15:00:00Z", **fields})


def _opportunities(story: FlowTest) -> dict[str, dict[str, Any]]:
    """The opportunities in Salesforce by External_Id__c."""
    return {str(record.get("External_Id__c")): record
            for record in story.simulator(SalesforceSimulator).records("Opportunity")}


def test_won_deals_arrive_as_closed_won_opportunities(flow: Flow) -> None:
    with FlowTest(flow) as story:
        euro = _deal(story, "Acme renewal", amount="12500.50", deal_currency_code="EUR",
                     closedate="2026-10-30T09:00:00Z")
        plain = _deal(story, "Globex pilot", amount="980")

        story.run()

        found = _opportunities(story)
        assert len(story.simulator(SalesforceSimulator).records("Opportunity")) == 2
        assert set(found) == {euro, plain}
        assert found[euro]["Name"] == "Acme renewal"
        assert found[euro]["StageName"] == "Closed Won"
        assert Decimal(str(found[euro]["Amount"])) == Decimal("12500.50")
        assert found[euro]["CurrencyIsoCode"] == "EUR"
        assert found[euro]["CloseDate"] == "2026-10-30"
        assert found[plain]["Name"] == "Globex pilot"
        assert found[plain]["StageName"] == "Closed Won"
        assert Decimal(str(found[plain]["Amount"])) == Decimal("980")
        assert found[plain]["CurrencyIsoCode"] == "USD"
        assert found[plain]["CloseDate"] == "2026-11-02"


def test_nothing_is_written_twice(flow: Flow) -> None:
    with FlowTest(flow) as story:
        first = _deal(story, "Initech expansion")
        second = _deal(story, "Umbrella support", amount="300")

        story.run()
        story.run()

        records = story.simulator(SalesforceSimulator).records("Opportunity")
        assert len(records) == 2
        assert set(_opportunities(story)) == {first, second}


def test_only_won_deals_with_an_amount_become_opportunities(flow: Flow) -> None:
    with FlowTest(flow) as story:
        no_amount = _deal(story, "Hooli mystery", amount="")
        open_deal = _deal(story, "Vandelay imports", dealstage="contractsent")
        lost = _deal(story, "Soylent trial", dealstage="closedlost")
        won = _deal(story, "Stark upgrade")

        report = story.run()

        assert report.bad_keys == [no_amount]
        assert open_deal not in report.delivered_keys + report.bad_keys + report.failed_keys
        assert lost not in report.delivered_keys + report.bad_keys + report.failed_keys
        assert set(_opportunities(story)) == {won}
