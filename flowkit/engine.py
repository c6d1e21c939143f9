"""Driving one packet through a flow's units, and telling exactly where and why it stopped.

This is the part the runtime and the testing helper share: read packets from the source, then
take each through the steps and the sink, turning what happened into a `PacketResult`. Storage —
the ledger, the cursor, the audit trail, failed messages — is the runtime's business, around this.
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from connectors.core.connector import Connector
from connectors.core.paths import MISSING
from flowkit.context import Context, CursorValue
from flowkit.errors import BadRecord, FlowDefinitionError, Skip
from flowkit.flow import Flow, SourceUnit


class Outcome(enum.StrEnum):
    """How a packet's trip through the flow ended."""

    DELIVERED = "delivered"
    SKIPPED = "skipped"
    BAD = "bad"
    FAILED = "failed"


@dataclass(frozen=True)
class Packet:
    """One source record, with the key that identifies it and the cursor value it carries."""

    key: str
    record: Any
    cursor: CursorValue | None


@dataclass(frozen=True)
class PacketResult:
    """What happened to one packet."""

    key: str
    outcome: Outcome
    unit: str | None = None
    """The unit that stopped it (None when delivered)."""
    unit_input: Any = None
    """What that unit was given: a failed packet is replayed from here."""
    error_type: str | None = None
    message: str | None = None
    traceback: str | None = None
    written: Any = None
    """What the sink returned (the target record or its reference)."""


def field_value(record: Any, path: str) -> Any:
    """The value at a dotted field path of a record (a model or a mapping), or `MISSING`."""
    value = record
    for part in path.split("."):
        if isinstance(value, BaseModel):
            value = getattr(value, part, MISSING)
        elif isinstance(value, Mapping):
            value = value.get(part, MISSING)
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _field(record: Any, path: str, what: str, unit: SourceUnit) -> Any:
    value = field_value(record, path)
    if value is MISSING or value is None:
        raise FlowDefinitionError(f"source {unit.name} yielded a {type(record).__name__} without "
                                  f"the {what} field {path!r}")
    return value


def read_packets(flow: Flow, context: Context,
                 connectors: Mapping[type[Connector], Connector]) -> Iterator[Packet]:
    """The source's records as packets, keyed and with their cursor values."""
    unit = flow.source_unit
    for record in unit.call(None, context, dict(connectors)):
        key = _field(record, unit.key, "key", unit)
        cursor = _field(record, unit.cursor, "cursor", unit) if unit.cursor else None
        if cursor is not None and not isinstance(cursor, (datetime, int, str)):
            cursor = str(cursor)
        yield Packet(key=str(key), record=record, cursor=cursor)


@dataclass(frozen=True)
class Ready:
    """A packet that went through the steps: what its sink is to be given."""

    packet: Packet
    value: Any


def run_steps(flow: Flow, packet: Packet, context: Context,
              connectors: Mapping[type[Connector], Connector], *,
              start_at: str | None = None, value: Any = None) -> PacketResult | Ready:
    """Take one packet through the steps; how it stopped, or what the sink is to get.

    `start_at` resumes at a named unit with `value` as its input (a replay from the failed step);
    by default the packet's record enters the first step.
    """
    context.packet_key = packet.key
    pending = [*flow.steps, flow.sink_unit]
    current: Any = packet.record
    if start_at is not None:
        names = [unit.name for unit in pending]
        if start_at not in names:
            raise FlowDefinitionError(f"{flow.name} has no step or sink called {start_at}; "
                                      f"it has {', '.join(names)}")
        pending = pending[names.index(start_at):]
        try:
            current = coerce(pending[0].packet_type, value)
        except ValidationError as error:  # the unit's input type changed since the failure
            return _stopped(packet.key, start_at, value, StoredInputMismatch(
                f"the stored input of {start_at} no longer fits what it takes now "
                f"({error.error_count()} problem(s): {_first_problem(error)}); replay cannot "
                "send this packet: fix the flow or file the packet again from its source"))
    injected = dict(connectors)
    for unit in pending[:-1]:
        try:
            current = unit.call(current, context, injected)
        except Exception as error:  # whatever a unit raises is the packet's outcome
            return _stopped(packet.key, unit.name, current, error)
    return Ready(packet, current)


def deliver(flow: Flow, ready: Ready, context: Context,
            connectors: Mapping[type[Connector], Connector]) -> PacketResult:
    """Give one packet to the sink (a batch sink gets a batch of one)."""
    unit = flow.sink_unit
    context.packet_key = ready.packet.key
    try:
        if unit.batch is None:
            written = unit.call(ready.value, context, dict(connectors))
        else:
            written = _one_each(unit.call([ready.value], context, dict(connectors)), 1)[0]
    except Exception as error:  # whatever the sink raises is the packet's outcome
        return _stopped(ready.packet.key, unit.name, ready.value, error)
    return PacketResult(ready.packet.key, Outcome.DELIVERED, written=written)


def deliver_batch(flow: Flow, ready: list[Ready], context: Context,
                  connectors: Mapping[type[Connector], Connector]) -> list[PacketResult]:
    """Give packets to a batch sink, at most `batch` per call, results in input order.

    A call that raises is made again for each of its packets alone, so that each failure is
    tied to the packet that caused it and the others are delivered.
    """
    unit = flow.sink_unit
    size = unit.batch or 1
    results: list[PacketResult] = []
    for start in range(0, len(ready), size):
        chunk = ready[start:start + size]
        if len(chunk) == 1 or unit.batch is None:
            results.extend(deliver(flow, one, context, connectors) for one in chunk)
            continue
        context.packet_key = None
        try:
            written = _one_each(unit.call([one.value for one in chunk], context,
                                          dict(connectors)), len(chunk))
        except Exception:  # split: each packet alone tells whose error it was
            results.extend(deliver(flow, one, context, connectors) for one in chunk)
            continue
        results.extend(PacketResult(one.packet.key, Outcome.DELIVERED, written=item)
                       for one, item in zip(chunk, written, strict=True))
    return results


def _one_each(written: Any, count: int) -> list[Any]:
    """What a batch sink returned, one item per packet (None each when it returned nothing)."""
    if isinstance(written, list) and len(written) == count:
        return written
    return [None] * count


def _stopped(key: str, unit: str, given: Any, error: Exception) -> PacketResult:
    if isinstance(error, Skip):
        return PacketResult(key, Outcome.SKIPPED, unit, given, "Skip", error.reason)
    if isinstance(error, BadRecord):
        return PacketResult(key, Outcome.BAD, unit, given, "BadRecord", error.reason,
                            _trace(error))
    return PacketResult(key, Outcome.FAILED, unit, given, type(error).__name__, str(error),
                        _trace(error))


def _trace(error: Exception) -> str:
    return "".join(traceback.format_exception(error))


def process(flow: Flow, packet: Packet, context: Context,
            connectors: Mapping[type[Connector], Connector], *,
            start_at: str | None = None, value: Any = None) -> PacketResult:
    """Take one packet through the steps and the sink (see `run_steps` for `start_at`)."""
    ready = run_steps(flow, packet, context, connectors, start_at=start_at, value=value)
    if isinstance(ready, PacketResult):
        return ready
    return deliver(flow, ready, context, connectors)


class StoredInputMismatch(ValueError):
    """A failed packet's stored input no longer validates as its unit's input type."""


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the value"
    return f"{where}: {first['msg']}"


def coerce(annotation: Any, value: Any) -> Any:
    """A stored packet (plain JSON) turned back into what the unit's annotation asks for."""
    if annotation is None or annotation is Any:
        return value
    return TypeAdapter(annotation).validate_python(value)


def to_jsonable(value: Any) -> Any:
    """A packet as plain JSON, for the failed-message store and fixtures."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return TypeAdapter(Any).dump_python(value, mode="json")
