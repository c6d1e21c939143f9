"""Acceptance: rows of the SQL table `customers` become HubSpot contacts, matched by email.

Kept apart from what the model sees. `flow` is the flow under test (a fixture of the harness).
Each test gives the flow a throwaway database holding the table the issue describes (timestamps
stored as UTC).
"""

from typing import Any

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.sql.simulator import SqlSimulator
from flowkit import Flow
from flowkit.testing import FlowTest

COLUMNS = {"id": "integer", "email": "text", "first_name": "text", "last_name": "text",
           "updated_at": "timestamp"}


def _database(story: FlowTest) -> SqlSimulator:
    """The story's database, with the empty `customers` table."""
    db = story.simulator(SqlSimulator)
    db.create_table("customers", COLUMNS, key=["id"])
    return db


def _row(id: int, email: str | None, first: str, last: str, updated_at: str) -> dict[str, Any]:
    return {"id": id, "email": email, "first_name": first, "last_name": last,
            "updated_at": updated_at}


def _change(db: SqlSimulator, *rows: dict[str, Any]) -> None:
    """Update rows in place, as the app does when a customer changes."""
    with db.connect() as sql:
        sql.tables.upsert("customers", list(rows), key=["id"])


def test_rows_become_contacts_with_the_right_fields(flow: Flow) -> None:
    with FlowTest(flow) as story:
        _database(story).insert(
            "customers",
            _row(101, "ada@example.org", "Ada", "Lovelace", "2024-05-01T09:00:00Z"),
            _row(102, "alan@example.org", "Alan", "Turing", "2024-05-01T09:05:00Z"),
            _row(103, "grace@example.org", "Grace", "Hopper", "2024-05-01T09:10:00Z"))

        report = story.run()

        assert sorted(report.delivered_keys) == ["101", "102", "103"]
        crm = story.simulator(HubSpotSimulator)
        assert crm.count("contacts") == 3
        for email, first, last in (("ada@example.org", "Ada", "Lovelace"),
                                   ("alan@example.org", "Alan", "Turing"),
                                   ("grace@example.org", "Grace", "Hopper")):
            contact = crm.find("contacts", "email", email)
            assert contact is not None
            assert (contact["firstname"], contact["lastname"]) == (first, last)


def test_runs_read_only_changed_rows_and_never_duplicate(flow: Flow) -> None:
    with FlowTest(flow) as story:
        db = _database(story)
        db.insert("customers",
                  _row(201, "edsger@example.org", "Edsger", "Dijkstra", "2024-06-01T08:00:00Z"),
                  _row(202, "barbara@example.org", "Barbara", "Liskov", "2024-06-01T08:30:00Z"))

        first = story.run()
        again = story.run()
        assert story.simulator(HubSpotSimulator).count("contacts") == 2

        _change(db, _row(202, "barbara@example.org", "Barbara", "Liskov-Smith",
                         "2024-06-02T12:00:00Z"))
        db.insert("customers",
                  _row(203, "donald@example.org", "Donald", "Knuth", "2024-06-02T12:05:00Z"))
        second = story.run(cursor=first.cursor)

        assert sorted(first.delivered_keys) == ["201", "202"]
        assert sorted(again.delivered_keys) == ["201", "202"]
        assert sorted(second.delivered_keys) == ["202", "203"]
        crm = story.simulator(HubSpotSimulator)
        assert crm.count("contacts") == 3
        barbara = crm.find("contacts", "email", "barbara@example.org")
        assert barbara is not None
        assert barbara["lastname"] == "Liskov-Smith"


def test_rows_without_an_email_are_bad_records(flow: Flow) -> None:
    with FlowTest(flow) as story:
        _database(story).insert(
            "customers",
            _row(301, None, "No", "Email", "2024-07-01T10:00:00Z"),
            _row(302, "", "Empty", "Email", "2024-07-01T10:01:00Z"),
            _row(303, "radia@example.org", "Radia", "Perlman", "2024-07-01T10:02:00Z"))

        report = story.run()

        assert sorted(report.bad_keys) == ["301", "302"]
        assert report.delivered_keys == ["303"]
        crm = story.simulator(HubSpotSimulator)
        assert crm.count("contacts") == 1
        assert crm.find("contacts", "email", "radia@example.org") is not None
