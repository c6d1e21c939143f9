"""Stories of Salesforce accounts becoming HubSpot companies."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_an_account_becomes_a_company_with_its_domain() -> None:
    with FlowTest(flow) as story:
        account_id = story.simulator(SalesforceSimulator).add_record(
            "Account", story.fixture("account.json"))

        report = story.run()

        assert report.delivered_keys == [account_id]
        company = story.simulator(HubSpotSimulator).find("companies", "erp_company_id",
                                                         account_id)
        assert company is not None
        assert company["name"] == "Acme Corporation"
        assert company["domain"] == "acme.com"
        assert company["phone"] == "+1 415 555 0100"
        assert (company["city"], company["country"]) == ("San Francisco", "United States")
        assert company["industry"] == "Manufacturing"


def test_a_bare_domain_is_kept_as_it_is() -> None:
    with FlowTest(flow) as story:
        account_id = story.simulator(SalesforceSimulator).add_record(
            "Account", {**story.fixture("account.json"), "Website": "initech.io"})

        story.run()

        company = story.simulator(HubSpotSimulator).find("companies", "erp_company_id",
                                                         account_id)
        assert company is not None
        assert company["domain"] == "initech.io"


def test_a_rerun_updates_the_company_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        sf = story.simulator(SalesforceSimulator)
        account_id = sf.add_record("Account", story.fixture("account.json"))
        story.run()

        sf.set_raw("Account", account_id, {"Name": "Acme Inc."})
        report = story.run()

        crm = story.simulator(HubSpotSimulator)
        assert report.delivered_keys == [account_id]
        assert crm.count("companies") == 1
        company = crm.find("companies", "erp_company_id", account_id)
        assert company is not None
        assert company["name"] == "Acme Inc."


def test_an_account_without_a_website_is_bad() -> None:
    with FlowTest(flow) as story:
        account_id = story.simulator(SalesforceSimulator).add_record(
            "Account", {**story.fixture("account.json"), "Website": None})

        report = story.run()

        assert report.bad_keys == [account_id]
        assert story.simulator(HubSpotSimulator).count("companies") == 0
