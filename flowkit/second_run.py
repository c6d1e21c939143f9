"""The gate's second run of a flow test: does running the flow again write anything new?

The runtime sends a packet again when it cannot know whether the first send arrived (a crash
between the write and the ledger's record of it). A write through an operation that says it is
idempotent — by an idempotency key, or as an upsert by an external id — must then land on what
the first send wrote. So, when the gate asks for it (`enable`), each `FlowTest` that ran the flow
runs it once more at its end, over the simulators as the test left them, under a new run id, and
notes every write that such an operation made take effect again: a key that changes between runs
(`uuid4()`, `ctx.run_id`, the wall clock) shows here. Writes through operations that declare no
idempotency are the ledger's to guard and are not judged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from connectors.core.connector import Connector
from connectors.core.errors import ConnectorError
from connectors.core.operations import Idempotency, operation_info
from flowkit.context import Context
from flowkit.engine import process, read_packets
from flowkit.flow import Flow

_JUDGED = (Idempotency.KEY, Idempotency.UPSERT)

_enabled = False
_rewrites: list[str] = []


def enable() -> None:
    """Make every FlowTest that ran its flow run it a second time at its end (the gate)."""
    global _enabled
    _enabled = True


def enabled() -> bool:
    """Whether second runs are on."""
    return _enabled


def rewrites() -> list[str]:
    """What the second runs wrote again, in words, in order."""
    return list(_rewrites)


def _writes(doubles: Mapping[type[Connector], object]) -> Counter[str]:
    """Every simulator's writes that took effect, per key (`hubspot:deals:id=1`)."""
    total: Counter[str] = Counter()
    for double in doubles.values():
        stats = getattr(double, "stats", None)
        for key, count in getattr(stats, "writes", {}).items():
            total[f"{getattr(double, 'name', type(double).__name__)}:{key}"] += count
    return total


class _Watched:
    """A connector (or one of its resources) during the second run: each write through an
    operation idempotent by key or upsert is checked for writes that took effect again."""

    def __init__(self, target: object, path: str,
                 doubles: Mapping[type[Connector], object]) -> None:
        self._target, self._path, self._doubles = target, path, doubles

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        info = operation_info(value)
        if info is not None and info.writes and info.idempotency in _JUDGED:
            return self._checked(value, f"{self._path}.{name}")
        if not callable(value) and type(value).__module__.startswith("connectors."):
            return _Watched(value, f"{self._path}.{name}", self._doubles)
        return value

    def _checked(self, operation: Callable[..., Any], path: str) -> Callable[..., Any]:
        def call(*arguments: Any, **keywords: Any) -> Any:
            before = _writes(self._doubles)
            result = operation(*arguments, **keywords)
            again = _writes(self._doubles) - before
            _rewrites.extend(f"`{path}` took effect for {key}" for key in sorted(again))
            return result
        return call


def run_again(flow: Flow, connectors: Mapping[type[Connector], Connector],
              doubles: Mapping[type[Connector], object]) -> None:
    """Run `flow` once more over the doubles as they are, noting idempotent writes that took
    effect again. A source the simulators now refuse (a fault the test switched on) ends the
    second run without a verdict."""
    watched: dict[type[Connector], Any] = {
        cls: _Watched(connector, cls.name, doubles) for cls, connector in connectors.items()}
    run_id = f"gate-second-run-{uuid.uuid4().hex[:8]}"
    try:
        for packet in read_packets(flow, Context(flow=flow.name, run_id=run_id), watched):
            process(flow, packet, Context(flow=flow.name, run_id=run_id), watched)
    except ConnectorError:
        return
