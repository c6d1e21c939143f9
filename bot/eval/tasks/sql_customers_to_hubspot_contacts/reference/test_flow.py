"""Stories of rows of the `customers` table becoming HubSpot contacts."""

from typing import Any

from connectors.hubspot.simulator import HubSpotSimulator
from connectors.sql.simulator import SqlSimulator
from flowkit.testing import FlowTest

from .flow import flow

COLUMNS = {"id": "integer", "email": "text", "first_name": "text", "last_name": "text",
           "updated_at": "timestamp"}


def _customers_table(story: FlowTest, *rows: dict[str, Any]) -> SqlSimulator:
    """The database, holding the `customers` table with `rows` in it."""
    db = story.simulator(SqlSimulator)
    db.create_table("customers", COLUMNS, key=["id"])
    if rows:
        db.insert("customers", *rows)
    return db


def _row(story: FlowTest, **fields: Any) -> dict[str, Any]:
    """The fixture row (Grace Hopper, changed 2024-05-01 10:00 UTC), with `fields` overriding."""
    return {**story.fixture("customer_row.json"), **fields}


def test_a_row_becomes_a_contact_with_its_names() -> None:
    with FlowTest(flow) as story:
        _customers_table(story, _row(story))

        report = story.run()

        assert report.delivered_keys == ["7"]
        contact = story.simulator(HubSpotSimulator).find("contacts", "email",
                                                         "grace@example.com")
        assert contact is not None
        assert (contact["firstname"], contact["lastname"]) == ("Grace", "Hopper")


def test_a_later_run_reads_only_newer_rows_and_adds_no_second_contact() -> None:
    with FlowTest(flow) as story:
        db = _customers_table(story, _row(story))

        first = story.run()
        again = story.run()
        db.insert("customers", _row(story, id=8, email="alan@example.com", first_name="Alan",
                                    last_name="Turing", updated_at="2024-05-02T09:00:00Z"))
        later = story.run(cursor=first.cursor)

        assert (first.delivered_keys, again.delivered_keys) == (["7"], ["7"])
        assert later.delivered_keys == ["8"]
        assert story.simulator(HubSpotSimulator).count("contacts") == 2


def test_a_row_without_an_email_is_bad() -> None:
    with FlowTest(flow) as story:
        _customers_table(story, _row(story, id=1, email=None), _row(story, id=2, email=""))

        report = story.run()

        assert sorted(report.bad_keys) == ["1", "2"]
        assert story.simulator(HubSpotSimulator).count("contacts") == 0
