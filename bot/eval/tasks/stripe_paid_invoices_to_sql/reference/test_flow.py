"""Stories of paid Stripe invoices becoming rows of the `invoices` table."""

from decimal import Decimal
from typing import Any

from connectors.sql.simulator import SqlSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow

COLUMNS = {"id": "text", "number": "text", "customer": "text", "amount_paid": "numeric",
           "currency": "text"}
CUSTOMER = "cus_T3stCustomer01"


def _invoices_table(story: FlowTest) -> SqlSimulator:
    """The database, holding the empty `invoices` table the flow writes to."""
    db = story.simulator(SqlSimulator)
    db.create_table("invoices", COLUMNS, key=["id"])
    return db


def _account(story: FlowTest) -> StripeSimulator:
    """The Stripe account, with the one customer the invoices belong to."""
    stripe = story.simulator(StripeSimulator)
    stripe.add_customer(id=CUSTOMER, email="billing@acme.example")
    return stripe


def _invoice(story: FlowTest, **fields: Any) -> dict[str, Any]:
    """The fixture invoice (total $50.00, $40.00 paid after credit), with `fields` overriding."""
    return {**story.fixture("paid_invoice.json"), **fields}


def test_a_paid_invoice_becomes_a_row_with_the_amount_actually_paid() -> None:
    with FlowTest(flow) as story:
        db = _invoices_table(story)
        seeded = _account(story).add_invoice(CUSTOMER, **_invoice(story))

        report = story.run()

        assert report.delivered_keys == ["in_1PaidWithCredit"]
        assert db.rows("invoices") == [{
            "id": "in_1PaidWithCredit", "number": seeded["number"], "customer": CUSTOMER,
            "amount_paid": Decimal("40.00"), "currency": "USD"}]


def test_yen_are_not_divided_and_a_rerun_adds_no_row() -> None:
    with FlowTest(flow) as story:
        db = _invoices_table(story)
        _account(story).add_invoice(CUSTOMER, **_invoice(
            story, id="in_1PaidInYen", currency="jpy", total=500, subtotal=500, amount_due=500,
            amount_paid=500))

        story.run()
        story.run()

        [row] = db.rows("invoices")
        assert (row["id"], row["amount_paid"], row["currency"]) == (
            "in_1PaidInYen", Decimal("500"), "JPY")


def test_unpaid_invoices_stay_out_and_nothing_paid_is_bad() -> None:
    with FlowTest(flow) as story:
        db = _invoices_table(story)
        stripe = _account(story)
        stripe.add_invoice(CUSTOMER, **_invoice(story, id="in_1Open", status="open",
                                                amount_due=5000, amount_paid=0,
                                                amount_remaining=5000))
        stripe.add_invoice(CUSTOMER, **_invoice(story, id="in_1NothingPaid", total=0,
                                                subtotal=0, amount_due=0, amount_paid=0))

        report = story.run()

        assert report.bad_keys == ["in_1NothingPaid"]
        assert report.delivered_keys == []
        assert db.count("invoices") == 0
