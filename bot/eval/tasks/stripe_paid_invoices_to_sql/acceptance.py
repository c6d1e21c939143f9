"""Acceptance: paid Stripe invoices are upserted into the SQL table `invoices` by id.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
Each test gives the flow a throwaway database holding the empty table the issue describes.
"""

from decimal import Decimal
from typing import Any

from connectors.sql.simulator import SqlSimulator
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.testing import FlowTest

COLUMNS = {"id": "text", "number": "text", "customer": "text", "amount_paid": "numeric",
           "currency": "text"}


def _database(story: FlowTest) -> SqlSimulator:
    """The story's database, with the empty `invoices` table."""
    db = story.simulator(SqlSimulator)
    db.create_table("invoices", COLUMNS, key=["id"])
    return db


def _rows(db: SqlSimulator) -> dict[str, dict[str, Any]]:
    """The table's rows by id."""
    return {str(row["id"]): row for row in db.rows("invoices")}


def _customer(stripe: StripeSimulator, customer_id: str) -> str:
    stripe.add_customer(id=customer_id, email=f"{customer_id}@example.org")
    return customer_id


def _invoice(stripe: StripeSimulator, customer: str, invoice_id: str, *, status: str = "paid",
             currency: str = "usd", total: int = 2500, paid: int | None = None,
             **fields: Any) -> str:
    """Seed an invoice; its number (Stripe numbers invoices itself)."""
    amount_paid = (total if status == "paid" else 0) if paid is None else paid
    invoice = stripe.add_invoice(
        customer, id=invoice_id, status=status, currency=currency, total=total, subtotal=total,
        amount_due=amount_paid if status == "paid" else total, amount_paid=amount_paid,
        amount_remaining=0 if status in ("paid", "void") else total, **fields)
    return str(invoice["number"])


def test_paid_invoices_arrive_with_the_right_columns(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        stripe = story.simulator(StripeSimulator)
        acme = _customer(stripe, "cus_Acme000000001")
        globex = _customer(stripe, "cus_Globex0000002")
        credit_number = _invoice(stripe, acme, "in_Credit00000A01", currency="usd",
                                 total=5000, paid=4000)
        euro_number = _invoice(stripe, globex, "in_Euro000000A02", currency="eur", total=1999)
        yen_number = _invoice(stripe, globex, "in_Yen0000000A03", currency="jpy", total=500)

        report = story.run()

        assert sorted(report.delivered_keys) == ["in_Credit00000A01", "in_Euro000000A02",
                                                 "in_Yen0000000A03"]
        rows = _rows(db)
        assert set(rows) == {"in_Credit00000A01", "in_Euro000000A02", "in_Yen0000000A03"}
        credit, euro, yen = (rows["in_Credit00000A01"], rows["in_Euro000000A02"],
                             rows["in_Yen0000000A03"])
        assert (credit["number"], credit["customer"]) == (credit_number, acme)
        assert credit["amount_paid"] == Decimal("40.00")
        assert credit["currency"] == "USD"
        assert (euro["number"], euro["customer"]) == (euro_number, globex)
        assert euro["amount_paid"] == Decimal("19.99")
        assert euro["currency"] == "EUR"
        assert (yen["number"], yen["customer"]) == (yen_number, globex)
        assert yen["amount_paid"] == Decimal("500")
        assert yen["currency"] == "JPY"


def test_nothing_is_written_twice(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        stripe = story.simulator(StripeSimulator)
        initech = _customer(stripe, "cus_Initech00003")
        _invoice(stripe, initech, "in_Twice0000B01", total=1200)
        _invoice(stripe, initech, "in_Twice0000B02", total=3400)

        story.run()
        story.run()

        rows = _rows(db)
        assert set(rows) == {"in_Twice0000B01", "in_Twice0000B02"}
        assert rows["in_Twice0000B01"]["amount_paid"] == Decimal("12.00")
        assert rows["in_Twice0000B02"]["amount_paid"] == Decimal("34.00")


def test_unpaid_invoices_stay_out_and_nothing_paid_is_bad(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        stripe = story.simulator(StripeSimulator)
        umbrella = _customer(stripe, "cus_Umbrella0004")
        _invoice(stripe, umbrella, "in_Draft0000C01", status="draft")
        _invoice(stripe, umbrella, "in_Open00000C02", status="open")
        _invoice(stripe, umbrella, "in_Void00000C03", status="void")
        _invoice(stripe, umbrella, "in_Uncoll000C04", status="uncollectible")
        _invoice(stripe, umbrella, "in_Zero00000C05", total=0, paid=0)
        _invoice(stripe, umbrella, "in_Good00000C06", total=990)

        report = story.run()

        assert report.bad_keys == ["in_Zero00000C05"]
        assert report.delivered_keys == ["in_Good00000C06"]
        assert report.failed_keys == []
        assert set(_rows(db)) == {"in_Good00000C06"}
