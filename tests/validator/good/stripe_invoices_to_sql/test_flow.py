"""Paid invoices landing in a throwaway SQLite database."""

from connectors.sql.simulator import SqlSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit.testing import FlowTest

from .flow import flow


def test_a_paid_invoice_becomes_one_row_however_often_the_flow_runs() -> None:
    with FlowTest(flow) as story:
        db = story.simulator(SqlSimulator)
        db.create_table("invoices", {"id": "text", "amount_paid": "numeric"}, key=["id"])
        stripe = story.simulator(StripeSimulator)
        invoice = stripe.add_invoice(stripe.add_customer()["id"], status="paid")

        story.run()
        story.run()

        assert [row["id"] for row in db.rows("invoices")] == [invoice["id"]]
