"""Acceptance: HubSpot customer-stage contacts become Stripe customers, one per email.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
"""

from typing import Any

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.testing import FlowTest


def _contact(crm: HubSpotSimulator, n: int, **fields: str) -> str:
    properties = {"email": f"person{n}@example.org", "firstname": f"First{n}",
                  "lastname": f"Last{n}", "lifecyclestage": "customer",
                  "createdate": f"2026-11-02T09:{n:02d}:00Z", **fields}
    return crm.add("contacts", {k: v for k, v in properties.items() if v})


def _customers(story: FlowTest, email: str) -> list[dict[str, Any]]:
    return [customer for customer in story.simulator(StripeSimulator).listing("customer")
            if customer.get("email") == email]


def test_customer_contacts_arrive_with_email_and_name(flow: Flow) -> None:
    with FlowTest(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        for n in (11, 12, 13):
            _contact(crm, n)
        _contact(crm, 14, lastname="")
        _contact(crm, 15, lifecyclestage="lead")
        _contact(crm, 16, lifecyclestage="opportunity")

        report = story.run()

        assert report.failed_keys == []
        assert len(story.simulator(StripeSimulator).listing("customer")) == 4
        for n in (11, 12, 13):
            [customer] = _customers(story, f"person{n}@example.org")
            assert customer["name"] == f"First{n} Last{n}"
        [first_name_only] = _customers(story, "person14@example.org")
        assert first_name_only["name"] == "First14"
        assert _customers(story, "person15@example.org") == []
        assert _customers(story, "person16@example.org") == []


def test_no_email_is_ever_created_twice(flow: Flow) -> None:
    with FlowTest(flow) as story:
        stripe = story.simulator(StripeSimulator)
        known = stripe.add_customer(email="person21@example.org", name="Billing Dept of 21")
        crm = story.simulator(HubSpotSimulator)
        _contact(crm, 21)
        _contact(crm, 22)

        story.run()
        story.clock.advance(3600)
        story.run()

        assert len(stripe.listing("customer")) == 2
        [existing] = _customers(story, "person21@example.org")
        assert existing["id"] == known["id"]
        assert existing["name"] == "Billing Dept of 21"
        [created] = _customers(story, "person22@example.org")
        assert created["name"] == "First22 Last22"


def test_other_stages_are_skipped_and_no_email_is_bad(flow: Flow) -> None:
    with FlowTest(flow) as story:
        crm = story.simulator(HubSpotSimulator)
        no_email = _contact(crm, 31, email="")
        lead = _contact(crm, 32, lifecyclestage="lead")
        subscriber = _contact(crm, 33, lifecyclestage="subscriber")
        _contact(crm, 34)

        report = story.run()

        assert report.bad_keys == [no_email]
        assert sorted(report.skipped_keys) == sorted([lead, subscriber])
        stripe = story.simulator(StripeSimulator)
        assert len(stripe.listing("customer")) == 1
        assert len(_customers(story, "person34@example.org")) == 1
