"""Acceptance: Stripe customers become Salesforce contacts, upserted by External_Id__c.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.salesforce.simulator import SalesforceSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _contacts(story: FlowTest) -> dict[str, dict[str, Any]]:
    """The stored contacts by External_Id__c."""
    return {contact["External_Id__c"]: contact
            for contact in story.simulator(SalesforceSimulator).records("Contact")}


def test_customers_arrive_with_the_right_fields(flow: Flow) -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        stripe.add_customer(id="cus_A11", name="Grace Hopper", email="grace@example.org",
                            phone="+15550001111")
        stripe.add_customer(id="cus_A12", name="Maria Gaetana Agnesi",
                            email="maria@example.org", phone="+390212345678")
        stripe.add_customer(id="cus_A13", name="Hypatia", email="hypatia@example.org",
                            phone=None)
        stripe.add_customer(id="cus_A14", name=None, email="nobody@example.org",
                            phone="+15550004444")

        report = story.run()

        assert sorted(report.delivered_keys) == ["cus_A11", "cus_A12", "cus_A13", "cus_A14"]
        contacts = _contacts(story)
        assert set(contacts) == {"cus_A11", "cus_A12", "cus_A13", "cus_A14"}
        grace = contacts["cus_A11"]
        assert (grace["FirstName"], grace["LastName"]) == ("Grace", "Hopper")
        assert grace["Email"] == "grace@example.org"
        assert grace["Phone"] == "+15550001111"
        maria = contacts["cus_A12"]
        assert (maria["FirstName"], maria["LastName"]) == ("Maria", "Gaetana Agnesi")
        assert maria["Email"] == "maria@example.org"
        hypatia = contacts["cus_A13"]
        assert hypatia["LastName"] == "Hypatia"
        assert not hypatia.get("FirstName")
        nameless = contacts["cus_A14"]
        assert nameless["LastName"] == "nobody@example.org"
        assert not nameless.get("FirstName")
        assert nameless["Phone"] == "+15550004444"


def test_nothing_is_written_twice(flow: Flow) -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        stripe.add_customer(id="cus_B21", name="Alan Turing", email="alan@example.org")
        stripe.add_customer(id="cus_B22", name="Joan Clarke", email="joan@example.org")

        story.run()
        story.run()

        assert len(story.simulator(SalesforceSimulator).records("Contact")) == 2
        assert set(_contacts(story)) == {"cus_B21", "cus_B22"}


def test_a_customer_without_an_email_is_a_bad_record(flow: Flow) -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        stripe.add_customer(id="cus_C31", name="Ghost Writer", email=None)
        stripe.add_customer(id="cus_C32", name="Emmy Noether", email="emmy@example.org")

        report = story.run()

        assert report.bad_keys == ["cus_C31"]
        assert report.delivered_keys == ["cus_C32"]
        assert set(_contacts(story)) == {"cus_C32"}
