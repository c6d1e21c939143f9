"""Acceptance: Salesforce accounts become HubSpot companies, matched by erp_company_id.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _account(story: FlowTest, name: str, website: str | None, **fields: Any) -> str:
    return story.simulator(SalesforceSimulator).add_record("Account", {
        "Name": name, "Website": website, "Phone": "+44 20 7946 0000", "BillingCity": "London",
        "BillingCountry": "United Kingdom", "Industry": "Retail", **fields})


def _company(story: FlowTest, account_id: str) -> dict[str, str]:
    company = story.simulator(HubSpotSimulator).find("companies", "erp_company_id", account_id)
    assert company is not None, f"no company with erp_company_id {account_id}"
    return company


def test_accounts_arrive_as_companies_with_domain_and_details(flow: Flow) -> None:
    with FlowTest(flow) as story:
        acme = _account(story, "Acme Corporation", "https://www.Acme.com/about/team",
                        Phone="+1 415 555 0100", BillingCity="San Francisco",
                        BillingCountry="United States", Industry="Manufacturing")
        globex = _account(story, "Globex", "http://globex.example/")
        initech = _account(story, "Initech", "initech.io")

        story.run()

        assert story.simulator(HubSpotSimulator).count("companies") == 3
        company = _company(story, acme)
        assert company["name"] == "Acme Corporation"
        assert company["domain"] == "acme.com"
        assert company["phone"] == "+1 415 555 0100"
        assert company["city"] == "San Francisco"
        assert company["country"] == "United States"
        assert company["industry"] == "Manufacturing"
        assert _company(story, globex)["domain"] == "globex.example"
        assert _company(story, globex)["name"] == "Globex"
        assert _company(story, initech)["domain"] == "initech.io"


def test_a_rerun_or_a_changed_account_updates_the_same_company(flow: Flow) -> None:
    with FlowTest(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        known = _account(story, "Umbrella", "https://umbrella.example")
        crm.add("companies", {"name": "Umbrella (old)", "domain": "umbrella.example",
                              "erp_company_id": known})
        other = _account(story, "Stark Industries", "https://www.stark.example")

        story.run()
        story.simulator(SalesforceSimulator).set_raw("Account", other,
                                                     {"Name": "Stark Enterprises"})
        second = story.run()

        assert second.failed_keys == []
        assert crm.count("companies") == 2
        assert _company(story, known)["name"] == "Umbrella"
        assert _company(story, other)["name"] == "Stark Enterprises"


def test_an_account_without_a_website_is_bad(flow: Flow) -> None:
    with FlowTest(flow) as story:
        missing = _account(story, "Hooli", None)
        blank = _account(story, "Vandelay", "")
        good = _account(story, "Wayne Enterprises", "https://wayne.example")

        report = story.run()

        assert sorted(report.bad_keys) == sorted([missing, blank])
        assert report.delivered_keys == [good]
        assert story.simulator(HubSpotSimulator).count("companies") == 1
        assert _company(story, good)["domain"] == "wayne.example"
