"""Stories of paid Stripe invoices arriving in Salesforce."""

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def _customer(story: FlowTest) -> str:
    return str(story.simulator(StripeSimulator).add_customer(email="billing@acme.example")["id"])


def test_a_paid_invoice_becomes_an_invoice_record_in_salesforce() -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        invoice = stripe.add_invoice(_customer(story), **story.fixture("paid_invoice.json"))

        report = story.run()

        assert report.delivered_keys == ["in_demo0001"]
        [record] = story.simulator(SalesforceSimulator).records("Invoice__c")
        assert record["Stripe_Invoice_Id__c"] == "in_demo0001"
        assert record["Name"] == invoice["number"]
        assert record["Amount__c"] == invoice["amount_paid"] / 100
        assert record["CurrencyIsoCode"] == "EUR"
        assert record["Status__c"] == "Paid"
        assert record["Due_Date__c"] == "2026-12-01"


def test_a_rerun_updates_the_record_instead_of_adding_one() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_invoice(_customer(story),
                                                     **story.fixture("paid_invoice.json"))

        story.run()
        story.run()

        assert len(story.simulator(SalesforceSimulator).records("Invoice__c")) == 1


def test_an_invoice_with_nothing_paid_is_kept_for_a_person() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_invoice(_customer(story),
                                                     **story.fixture("zero_paid_invoice.json"))

        report = story.run()

        assert report.bad_keys == ["in_demo0002"]
        assert story.simulator(SalesforceSimulator).records("Invoice__c") == []
