"""Scheduled flows on the task queue the app uses (Huey), not on a scheduler of our own.

Every flow of a checkout whose spec has `trigger.schedule` becomes a periodic Huey task with the
same cron fields, named `flow:<name>`; its body is whatever the caller gives (the runner service
starts a child process on the current version). A new version re-registers what changed: a flow
added, removed or given another cron. Only specs are read — never flow code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from huey import Huey, crontab

from flowkit.loading import flow_folders
from flowkit.spec import SpecError, load_spec

TASK_PREFIX = "flow:"


def cron(schedule: str) -> Callable[[object], bool]:
    """Huey's validator for a five-field cron string (minute hour day month day-of-week)."""
    minute, hour, day, month, day_of_week = schedule.split()
    validate: Callable[[object], bool] = crontab(minute=minute, hour=hour, day=day,
                                                 month=month, day_of_week=day_of_week,
                                                 strict=True)
    return validate


def claimed_cron(schedule: str, task: str,
                 claim: Callable[[str, datetime], bool] | None) -> Callable[[datetime], bool]:
    """Huey's validator for `schedule` that, with `claim`, is true at a due tick only for the
    scheduler that claims `task`'s tick first (several runners sharing one queue enqueue it
    once); without `claim`, at every due tick."""
    due = cron(schedule)

    def due_here(tick: datetime) -> bool:
        return due(tick) and (claim is None or claim(task, tick))

    return due_here


def scheduled_flows(root: Path) -> dict[str, str]:
    """The flows of a checkout that have a schedule: name -> cron."""
    found: dict[str, str] = {}
    for folder in flow_folders(root):
        try:
            spec = load_spec(folder)
        except SpecError:
            continue  # the gate reports it; an invalid spec never runs
        if spec.trigger.schedule is not None:
            found[spec.name] = spec.trigger.schedule
    return found


class Schedules:
    """The periodic tasks of one Huey instance for the flows of the current version."""

    def __init__(self, huey: Huey, run: Callable[[str], Any], *,
                 claim: Callable[[str, datetime], bool] | None = None) -> None:
        self.huey = huey
        self.run = run
        self.claim = claim
        """Asked at each due tick whether this scheduler enqueues it (`TickClaims.claim`, when
        several runners share the queue); None enqueues every due tick."""
        self._tasks: dict[str, tuple[str, Any]] = {}
        """Flow name -> (its cron, its registered task class)."""

    def update(self, root: Path) -> list[str]:
        """Register the scheduled flows of the checkout at `root`, dropping the tasks of flows
        gone or rescheduled; the scheduled flows' names."""
        wanted = scheduled_flows(root)
        for name, (schedule, task) in list(self._tasks.items()):
            if wanted.get(name) != schedule:
                self.huey._registry.unregister(task)  # huey's registry has no public remove
                del self._tasks[name]
        for name, schedule in wanted.items():
            if name not in self._tasks:
                self._tasks[name] = (schedule, self._register(name, schedule))
        return sorted(wanted)

    def _register(self, name: str, schedule: str) -> Any:
        def run_flow() -> Any:
            return self.run(name)  # a periodic task's value is never stored

        run_flow.__name__ = f"run_flow_{name.replace('-', '_')}"
        task_name = f"{TASK_PREFIX}{name}"
        return self.huey.periodic_task(claimed_cron(schedule, task_name, self.claim),
                                       name=task_name)(run_flow).task_class
