"""Two runners on one Redis queue: each one's scheduler sees the flow's tick (and the poll for a
new version) due, the tick is queued once; without the claims it is queued twice (what the
claims are for)."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from huey import RedisHuey
from huey.consumer import Scheduler
from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.runner import QUEUE_NAME
from flowkit.runtime.schedule import Schedules
from flowkit.runtime.service.runner import POLL_TASK, RunnerService, RunnerSettings
from flowkit.runtime.service.versions import Versions
from flowkit.runtime.ticks import KEY_PREFIX
from tests.runtime.test_runner_kill import _remote

FLOW = "hubspot-contacts-to-slack"  # on "*/5 * * * *"
TICKS = [datetime(2026, 12, 5, 12, 0, 3), datetime(2026, 12, 5, 12, 1, 3),
         datetime(2026, 12, 5, 12, 5, 41)]
"""Two due ticks (minutes 0 and 5, at different seconds) and one not due (minute 1)."""


def _queued_ticks(hueys: list[RedisHuey], task: str = f"flow:{FLOW}") -> int:
    """How many ticks of `task` the runners' schedulers enqueue over TICKS."""
    schedulers = [Scheduler(huey, threading.Event(), 1, True) for huey in hueys]
    for tick in TICKS:
        for scheduler in schedulers:
            scheduler.enqueue_periodic_tasks(tick)
    return sum(queued.name == task for queued in hueys[0].pending())


def _runners(tmp_path: Path, redis_url: str, store_url: str, sessions: sessionmaker[Session],
             *, poll: str | None) -> list[RedisHuey]:
    """Two runner services on one Redis queue (their claims forgotten), each with the flow's
    version deployed; their queues, emptied."""
    for key in Redis.from_url(redis_url).scan_iter(f"{KEY_PREFIX}:*"):
        Redis.from_url(redis_url).delete(key)
    remote = _remote(tmp_path)
    hueys = []
    for index in range(2):
        data = tmp_path / f"machine-{index}"
        huey = RedisHuey(QUEUE_NAME, url=redis_url)
        service = RunnerService(huey, Versions(data, str(remote), "main", sessions,
                                               gate=lambda root: []),
                                RunnerSettings(data_dir=data, database_url=store_url,
                                               poll=poll))
        assert service.refresh() is not None
        hueys.append(huey)
    hueys[0].flush()
    return hueys


def test_two_runners_queue_a_scheduled_flow_once_a_tick(
        tmp_path: Path, redis_url: str, store_url: str,
        sessions: sessionmaker[Session]) -> None:
    hueys = _runners(tmp_path, redis_url, store_url, sessions, poll=None)

    assert _queued_ticks(hueys) == 2


def test_two_runners_poll_for_a_new_version_once_a_tick(
        tmp_path: Path, redis_url: str, store_url: str,
        sessions: sessionmaker[Session]) -> None:
    hueys = _runners(tmp_path, redis_url, store_url, sessions, poll="*/5 * * * *")

    assert _queued_ticks(hueys, POLL_TASK) == 2  # minutes 0 and 5, once each


def test_without_claims_each_runner_queues_every_tick(tmp_path: Path, redis_url: str,
                                                      checkout: Path) -> None:
    hueys = [RedisHuey(f"{QUEUE_NAME}-unclaimed", url=redis_url) for _ in range(2)]
    for huey in hueys:
        Schedules(huey, lambda name: None).update(checkout)
    hueys[0].flush()

    assert _queued_ticks(hueys) == 4
