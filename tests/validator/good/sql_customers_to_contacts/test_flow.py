"""Rows of the customers table becoming contacts, on a throwaway SQLite database."""

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.sql.simulator import SqlSimulator
from flowkit.testing import FlowTest

from .flow import flow

COLUMNS = {"id": "integer", "email": "text", "first_name": "text", "updated_at": "timestamp"}


def test_rows_become_contacts_and_a_row_without_email_is_bad() -> None:
    with FlowTest(flow) as story:
        db = story.simulator(SqlSimulator)
        db.create_table("customers", COLUMNS, key=["id"])
        db.insert("customers",
                  {"id": 1, "email": "ada@example.com", "first_name": "Ada",
                   "updated_at": "2026-11-02T10:00:00+00:00"},
                  {"id": 2, "email": None, "first_name": "Nobody",
                   "updated_at": "2026-11-02T10:05:00+00:00"})

        report = story.run()

        assert report.delivered_keys == ["1"]
        assert report.bad_keys == ["2"]
        contact = story.simulator(HubSpotSimulator).find("contacts", "email", "ada@example.com")
        assert contact is not None
        assert contact["firstname"] == "Ada"
