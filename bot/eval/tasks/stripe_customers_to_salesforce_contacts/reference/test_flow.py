"""Stories of Stripe customers becoming Salesforce contacts."""

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_customer_becomes_a_contact_with_the_name_split_at_the_first_space() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(**story.fixture("customer.json"))

        report = story.run()

        assert report.delivered_keys == ["cus_Q1aBcDeFgHiJkL"]
        [contact] = story.simulator(SalesforceSimulator).records("Contact")
        assert contact["External_Id__c"] == "cus_Q1aBcDeFgHiJkL"
        assert (contact["FirstName"], contact["LastName"]) == ("Ada", "King Lovelace")
        assert contact["Email"] == "ada@example.com"
        assert contact["Phone"] == "+442071234567"


def test_a_rerun_adds_no_second_contact() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(**story.fixture("customer.json"))

        story.run()
        story.run()

        assert len(story.simulator(SalesforceSimulator).records("Contact")) == 1


def test_one_word_and_missing_names_still_give_a_last_name() -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        stripe.add_customer(id="cus_one", name="Cher", email="cher@example.com")
        stripe.add_customer(id="cus_none", name=None, email="anon@example.com")

        story.run()

        contacts = {c["External_Id__c"]: c for c in
                    story.simulator(SalesforceSimulator).records("Contact")}
        assert contacts["cus_one"]["LastName"] == "Cher"
        assert not contacts["cus_one"].get("FirstName")
        assert contacts["cus_none"]["LastName"] == "anon@example.com"


def test_a_customer_without_an_email_is_bad() -> None:
    with FlowTest(flow) as story:
        story.simulator(StripeSimulator).add_customer(id="cus_x", name="No Mail", email=None)

        report = story.run()

        assert report.bad_keys == ["cus_x"]
        assert story.simulator(SalesforceSimulator).records("Contact") == []
