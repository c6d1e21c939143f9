"""The runner's Prometheus metrics: packets by outcome, run duration, cursor lag, last success.

Each runner has a registry of its own (served by `flowbot runner start --metrics-port`), so that
several services in one process — tests, a demo — never collide on metric names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from flowkit.runtime.service.launch import ChildRun


class RunnerMetrics:
    """What the runner exports, updated after every run."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.packets = Counter("flowbot_flow_packets", "Packets by how they ended.",
                               ["flow", "outcome"], registry=self.registry)
        self.runs = Counter("flowbot_flow_runs", "Runs by how they ended.",
                            ["flow", "status"], registry=self.registry)
        self.duration = Histogram("flowbot_flow_run_seconds", "How long a run took.", ["flow"],
                                  buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600),
                                  registry=self.registry)
        self.cursor_lag = Gauge("flowbot_flow_cursor_lag_seconds",
                                "How far behind now a flow's cursor stood after its last run "
                                "(flows whose cursor is a time).", ["flow"],
                                registry=self.registry)
        self.last_success = Gauge("flowbot_flow_last_success_timestamp_seconds",
                                  "When a run of the flow last finished.", ["flow"],
                                  registry=self.registry)

    def observe(self, result: ChildRun, *, replay_only: bool = False) -> None:
        """Count one run's packets (its replays' too); a replay alone is not a run."""
        flow = result.flow
        for outcome, count in result.counts.items():
            self.packets.labels(flow, outcome).inc(count)
        for outcome, count in result.replayed.items():
            self.packets.labels(flow, outcome).inc(count)
        if replay_only:
            return
        self.runs.labels(flow, "failed" if result.error else "finished").inc()
        self.duration.labels(flow).observe(result.seconds)
        if result.error is None:
            self.last_success.labels(flow).set_to_current_time()
            lag = _lag_seconds(result.cursor)
            if lag is not None:
                self.cursor_lag.labels(flow).set(lag)


def _lag_seconds(cursor: str | None) -> float | None:
    if cursor is None:
        return None
    try:
        moment = datetime.fromisoformat(cursor)
    except ValueError:
        return None  # an id or a number: no lag in time to report
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())
