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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from connectors.core.connector import Connector, Resource
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


@contextmanager
def _watching(connectors: Mapping[type[Connector], Connector],
              doubles: Mapping[type[Connector], object]) -> Iterator[None]:
    """While the second run lasts, each write through an operation idempotent by key or upsert
    is checked for writes that took effect again. The check shadows the operation on the
    resource itself, so the flow still gets its connectors through `operations_only`."""
    shadowed: list[tuple[Resource, str]] = []
    try:
        for cls, connector in connectors.items():
            for attribute, resource in vars(connector).items():
                if not isinstance(resource, Resource):
                    continue
                for name in dir(type(resource)):
                    info = operation_info(getattr(type(resource), name, None))
                    if info is not None and info.writes and info.idempotency in _JUDGED:
                        setattr(resource, name, _checked(getattr(resource, name),
                                                         f"{cls.name}.{attribute}.{name}",
                                                         doubles))
                        shadowed.append((resource, name))
        yield
    finally:
        for resource, name in shadowed:
            delattr(resource, name)


def _checked(operation: Callable[..., Any], path: str,
             doubles: Mapping[type[Connector], object]) -> Callable[..., Any]:
    def call(*arguments: Any, **keywords: Any) -> Any:
        before = _writes(doubles)
        result = operation(*arguments, **keywords)
        again = _writes(doubles) - before
        _rewrites.extend(f"`{path}` took effect for {key}" for key in sorted(again))
        return result
    return call


def run_again(flow: Flow, connectors: Mapping[type[Connector], Connector],
              doubles: Mapping[type[Connector], object]) -> None:
    """Run `flow` once more over the doubles as they are, noting idempotent writes that took
    effect again. A source the simulators now refuse (a fault the test switched on) ends the
    second run without a verdict."""
    run_id = f"gate-second-run-{uuid.uuid4().hex[:8]}"
    with _watching(connectors, doubles):
        try:
            for packet in read_packets(flow, Context(flow=flow.name, run_id=run_id),
                                       connectors):
                process(flow, packet, Context(flow=flow.name, run_id=run_id), connectors)
        except ConnectorError:
            return
