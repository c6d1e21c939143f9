"""The runner service: a repository's default-branch flows on their triggers, on Huey.

What runs where:
- the runner process (a Huey consumer) holds the queue, the versions (git mirror, gate) and,
  when failures are filed, the GitHub App's installation client; it never imports flow code;
- each run is a child process (`flowkit.runtime.service.child`) on the version current when
  the run started, with that flow's connector credentials and the store's URL — nothing else.

Scheduled flows are Huey periodic tasks (`flow:<name>`), enqueued once a tick however many
runners' schedulers share the Redis queue (`flowkit.runtime.ticks`); a manual run is the
`flow-run` task; a new version is looked for by the `runner-refresh` task (enqueued by
`flowbot runner refresh`; the app does not yet enqueue it on a push to the default branch) and,
when polling, by the `runner-poll` periodic task, claimed per tick
like the flows' so that a fleet polls once a tick. A flow's runs never overlap, on
one machine or several: each run holds the flow's lease in the runtime store (`leases`),
renewed while it runs; a run that finds it held is skipped, the next tick tries again.

A version that changes a flow's code (a merged repair) is worth replaying that flow's failed
packets on: the runner that deploys it queues a `flow-replay` task per such flow, and every run
replays them first anyway, so a replay lost with a killed runner happens on the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from huey import Huey
from huey.storage import RedisStorage

from flowkit.errors import FlowDefinitionError
from flowkit.loading import flow_folder
from flowkit.runtime.runner import waiting_versions
from flowkit.runtime.schedule import Schedules, claimed_cron
from flowkit.runtime.service.changes import flow_changed_since
from flowkit.runtime.service.launch import ChildRun, run_in_child
from flowkit.runtime.service.leases import DEFAULT_TTL_S, LeaseHeld, Leases
from flowkit.runtime.service.metrics import RunnerMetrics
from flowkit.runtime.service.versions import Version, Versions
from flowkit.runtime.ticks import TickClaims

log = structlog.get_logger("flowbot.runner")
RunHook = Callable[[ChildRun], None]
POLL_TASK = "runner-poll"


@dataclass(frozen=True)
class RunnerSettings:
    """Where the runner keeps its work and what its runs are given."""

    data_dir: Path
    database_url: str
    """The runtime store every run writes its ledger, audit and failures to."""
    secrets_file: Path | None = None
    poll: str | None = "*/5 * * * *"
    """Cron of the poll for a new version; None when pushes enqueue `runner-refresh`."""
    lease_s: float = DEFAULT_TTL_S
    """How long a flow's lease lives without renewal (a killed runner's flow waits this long)."""
    shared_throttle_url: str | None = None
    """The Redis where runs keep their connectors' throttle state, so that runs on every runner
    (and a runner's simultaneous runs) spend from a vendor account's one limit together; None
    keeps it per run."""


class RunRefused(ValueError):
    """A manual run that cannot be queued: nothing is deployed, or no such flow is."""


def _no_result(work: Callable[..., object]) -> Callable[..., None]:
    """`work` as a queued task whose value is not kept: Huey stores a task's value until it is
    read, and nothing reads these (how a run ended is in the runtime store and the logs)."""
    def task(*arguments: Any) -> None:
        work(*arguments)

    task.__name__ = getattr(work, "__name__", "task")
    return task


class RunnerService:
    """Registers the runner's tasks on `huey` and runs flows when they fire."""

    def __init__(self, huey: Huey, versions: Versions, settings: RunnerSettings, *,
                 on_run: RunHook | None = None) -> None:
        self.huey = huey
        self.versions = versions
        self.settings = settings
        self.on_run = on_run
        self.metrics = RunnerMetrics()
        self.leases = Leases(versions.sessions, ttl_s=settings.lease_s)
        claim = (TickClaims(huey.storage.conn).claim if isinstance(huey.storage, RedisStorage)
                 else None)  # on Redis, several runners may share the queue: one enqueue a tick
        self.schedules = Schedules(huey, self.run_flow, claim=claim)
        self.run_now: Any = huey.task(name="flow-run")(_no_result(self.run_flow))
        """Enqueue a manual run: `service.run_now(name)`."""
        self.refresh_now: Any = huey.task(name="runner-refresh")(_no_result(self.refresh))
        """Enqueue a look for a new version: `service.refresh_now()`."""
        self.replay_now: Any = huey.task(name="flow-replay")(_no_result(self.replay_flow))
        """Enqueue the replay of a flow's failed packets its current code may deliver."""
        if settings.poll is not None:
            huey.periodic_task(claimed_cron(settings.poll, POLL_TASK, claim),
                               name=POLL_TASK)(self.refresh)

    def ask_run(self, name: str) -> str:
        """Queue a manual run of `name` (`flowbot runner run`); the deployed commit it starts
        on. RunRefused, with what to do, when nothing is deployed or that version has no such
        flow — a run queued for nothing would only be a line in the runner's log."""
        version = self.versions.current()
        if version is None:
            raise RunRefused("nothing is deployed yet: `flowbot runner start` deploys the default "
                             "branch's head once it passes the gate")
        try:
            flow_folder(version.path, name)
        except FlowDefinitionError:
            raise RunRefused(f"the deployed version {version.commit[:12]} has no flow named "
                             f"{name!r}: give the `name:` of a flow's spec.yaml") from None
        self.run_now(name)
        return version.commit

    def refresh(self) -> str | None:
        """Fetch the default branch, deploy a new head that passes the gate, schedule the
        current version's flows, and queue the replays of failed packets whose flow the new
        version changed; the current commit."""
        refreshed = self.versions.refresh()
        version = refreshed.current
        if version is None:
            log.warning("no version deployed")
            return None
        scheduled = self.schedules.update(version.path)
        log.info("version current", version=version.commit, scheduled=scheduled)
        if refreshed.deployed is not None:  # only the runner that deployed it queues these
            for name in self.replays_due(refreshed.deployed):
                self.replay_now(name)
        return version.commit

    def replays_due(self, version: Version) -> list[str]:
        """The flows of `version` with failed packets of an earlier version whose flow code
        it changed (a merged repair): each worth a replay now, not at its next run."""
        due = set()
        for name, kept_on in waiting_versions(self.versions.sessions, version.commit):
            try:
                folder = flow_folder(version.path, name)
            except FlowDefinitionError:
                continue  # the flow is gone from this version
            if name not in due and flow_changed_since(version.path, folder, kept_on):
                log.info("replay queued", flow=name, failed_on=kept_on, version=version.commit)
                due.add(name)
        return sorted(due)

    def run_flow(self, name: str) -> ChildRun | None:
        """Run `name` once on the current version in a child process, unless a runner (this
        one or another) holds its lease."""
        try:
            with self.leases.held(name):
                return self._run(name)
        except LeaseHeld:
            log.info("run skipped: the flow is running already", flow=name)
            return None

    def replay_flow(self, name: str) -> ChildRun | None:
        """Replay `name`'s failed packets that the current version may deliver, in a child
        process holding the flow's lease. When a run holds it, the replay is left to the
        flow's next run, which replays them before reading its source."""
        try:
            with self.leases.held(name):
                return self._run(name, replay_only=True)
        except LeaseHeld:
            log.info("replay left to the next run: the flow is running", flow=name)
            return None

    def _run(self, name: str, *, replay_only: bool = False) -> ChildRun | None:
        with self.versions.hold() as version:
            try:
                flow_folder(version.path, name)
            except FlowDefinitionError:
                log.info("run skipped: no such flow in this version", flow=name,
                         version=version.commit)
                return None
            result = run_in_child(version.path, name, version=version.commit,
                                  database_url=self.settings.database_url,
                                  workdir=self.settings.data_dir / "runner" / "work",
                                  secrets_file=self.settings.secrets_file,
                                  shared_throttle_url=self.settings.shared_throttle_url,
                                  replay_only=replay_only)
        said = log.error if result.error else log.info  # a run that failed, or never started
        said("replay ended" if replay_only else "run ended", flow=name, run_id=result.run_id,
             version=version.commit, counts=result.counts, replayed=result.replayed,
             seconds=round(result.seconds, 3), error=result.error)
        self.metrics.observe(result, replay_only=replay_only)
        if self.on_run is not None:
            self.on_run(result)
        return result
