"""Stories of won HubSpot deals becoming Salesforce opportunities."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_won_deal_becomes_a_closed_won_opportunity() -> None:
    with FlowTest(flow) as story:
        deal_id = story.simulator(HubSpotSimulator).add("deals", story.fixture("won_deal.json"))

        report = story.run()

        assert report.delivered_keys == [deal_id]
        [opportunity] = story.simulator(SalesforceSimulator).records("Opportunity")
        assert opportunity["External_Id__c"] == deal_id
        assert opportunity["Name"] == "Acme renewal 2027"
        assert opportunity["StageName"] == "Closed Won"
        assert opportunity["Amount"] == 12500
        assert opportunity["CurrencyIsoCode"] == "EUR"
        assert opportunity["CloseDate"] == "2026-11-02"


def test_a_deal_without_a_currency_is_in_usd() -> None:
    with FlowTest(flow) as story:
        deal = {**story.fixture("won_deal.json"), "deal_currency_code": ""}
        story.simulator(HubSpotSimulator).add("deals", deal)

        story.run()

        [opportunity] = story.simulator(SalesforceSimulator).records("Opportunity")
        assert opportunity["CurrencyIsoCode"] == "USD"


def test_a_rerun_updates_the_opportunity_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        story.simulator(HubSpotSimulator).add("deals", story.fixture("won_deal.json"))

        story.run()
        story.run()

        assert len(story.simulator(SalesforceSimulator).records("Opportunity")) == 1


def test_open_deals_are_skipped_and_a_won_deal_without_amount_is_bad() -> None:
    with FlowTest(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        open_deal = crm.add("deals", {**story.fixture("won_deal.json"),
                                      "dealstage": "contractsent"})
        no_amount = crm.add("deals", {**story.fixture("won_deal.json"), "amount": ""})

        report = story.run()

        assert report.skipped_keys == [open_deal]
        assert report.bad_keys == [no_amount]
        assert story.simulator(SalesforceSimulator).records("Opportunity") == []
