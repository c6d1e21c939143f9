"""Scheduled flows become Huey periodic tasks that fire when their cron says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from huey import SqliteHuey

from flowkit.runtime.schedule import Schedules, cron
from tests.runtime.conftest import REPOSITORY


@pytest.mark.parametrize(("schedule", "fires", "quiet"), [
    ("*/15 * * * *", datetime(2026, 11, 23, 4, 30), datetime(2026, 11, 23, 4, 31)),
    ("0 * * * *", datetime(2026, 11, 23, 5, 0), datetime(2026, 11, 23, 5, 15)),
    ("30 2 * * 1", datetime(2026, 11, 23, 2, 30), datetime(2026, 11, 24, 2, 30)),  # Mondays
])
def test_a_cron_string_maps_to_the_same_huey_crontab(schedule: str, fires: datetime,
                                                     quiet: datetime) -> None:
    validate = cron(schedule)

    assert validate(fires)
    assert not validate(quiet)


def test_every_scheduled_example_flow_is_registered_on_the_embedded_queue(
        tmp_path: Path) -> None:
    huey = SqliteHuey(filename=str(tmp_path / "queue.sqlite3"))

    ran: list[str] = []

    names = Schedules(huey, ran.append).update(REPOSITORY)

    assert names == ["hubspot-contacts-to-slack", "shopify-orders-to-hubspot-deals",
                     "stripe-invoices-to-salesforce"]
    due = {task.name for task in huey.read_periodic(datetime(2026, 11, 23, 4, 5))}
    assert due == {"flow:hubspot-contacts-to-slack"}  # every 5 minutes; the others are not due
    hourly = {task.name for task in huey.read_periodic(datetime(2026, 11, 23, 5, 0))}
    assert hourly == {f"flow:{name}" for name in names}
    for task in huey.read_periodic(datetime(2026, 11, 23, 4, 5)):
        huey.execute(task)
    assert ran == ["hubspot-contacts-to-slack"]
