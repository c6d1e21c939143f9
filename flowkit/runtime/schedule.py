"""Scheduled flows on the task queue the app uses (Huey), not on a scheduler of our own.

Every flow of a checkout whose spec has `trigger.schedule` becomes a periodic Huey task with the
same cron fields; the consumer that runs the app's jobs (`flowbot worker`) runs them too, on one
machine with the embedded SQLite queue or on several with Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey, crontab

from flowkit.runtime.session import open_flow
from flowkit.spec import SpecError, load_spec
from flowkit.validator import flow_folders


def cron(schedule: str) -> Callable[[object], bool]:
    """Huey's validator for a five-field cron string (minute hour day month day-of-week)."""
    minute, hour, day, month, day_of_week = schedule.split()
    validate: Callable[[object], bool] = crontab(minute=minute, hour=hour, day=day,
                                                 month=month, day_of_week=day_of_week,
                                                 strict=True)
    return validate


def schedule_flows(huey: Huey, root: Path, *, database: str | None = None) -> list[str]:
    """Register a periodic task for each scheduled flow of the checkout; their names."""
    scheduled: list[str] = []
    for folder in flow_folders(root):
        try:
            spec = load_spec(folder)
        except SpecError:
            continue  # the gate reports it; an invalid spec never runs
        if spec.trigger.schedule is None:
            continue

        def run_flow(name: str = spec.name) -> None:
            session = open_flow(root, name, database=database)
            try:
                session.runner.run()
            finally:
                session.close()

        run_flow.__name__ = f"run_flow_{spec.folder_name}"
        huey.periodic_task(cron(spec.trigger.schedule), name=f"flow:{spec.name}")(run_flow)
        scheduled.append(spec.name)
    return scheduled
