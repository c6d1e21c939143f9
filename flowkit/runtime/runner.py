"""Running a flow for real: every packet once, through the ledger, with an audit trail.

Packets are read from the source in the calling thread and processed by a small pool of
workers (connectors are thread-safe). For each packet version the ledger is moved to
`in_flight` before the steps and the sink run, and to the outcome after; an outcome that needs a
person (a failure, or a bad record the spec says to keep) becomes a failed message with the
packet. The cursor moves only when the whole run has finished, so a run that is killed never
skips data; the ledger makes the next run skip what was already delivered.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connectors.core.connector import Connector
from flowkit.context import Context, CursorValue, later
from flowkit.engine import Outcome, Packet, PacketResult, process, read_packets, to_jsonable
from flowkit.flow import Flow
from flowkit.runtime.packets import (
    cursor_json,
    cursor_value,
    identity,
    redacted,
    target_reference,
)
from flowkit.runtime.store import (
    AuditEntry,
    Cursor,
    FailedMessage,
    FailureState,
    LedgerEntry,
    PacketState,
    Run,
    utcnow,
)
from flowkit.spec import FlowSpec

IN_DOUBT = "InDoubt"
IN_DOUBT_MESSAGE = ("a previous run stopped after it had started writing this packet, and the "
                    "sink is not idempotent: the target may already have it. It was not sent "
                    "again. Check the target; replay only if it is not there.")

PacketHook = Callable[[str, PacketResult | None], None]
"""Called after each packet with how it ended ('delivered', 'already_done', 'in_doubt', …)."""


@dataclass
class RunSummary:
    """What a run did."""

    run_id: str
    counts: Counter[str] = field(default_factory=Counter)
    cursor: CursorValue | None = None
    failure_ids: list[int] = field(default_factory=list)


class RunError(Exception):
    """A run that could not read its source or could not finish; nothing was skipped."""


class FlowRunner:
    """Runs one flow with its connectors against one store."""

    def __init__(self, flow: Flow, spec: FlowSpec, connectors: Mapping[type[Connector], Connector],
                 sessions: sessionmaker[Session], *, version: str, sink_idempotent: bool) -> None:
        self.flow = flow
        self.spec = spec
        self.connectors = dict(connectors)
        self.sessions = sessions
        self.version = version
        self.sink_idempotent = sink_idempotent
        self._lock = threading.Lock()

    # -- a run ----------------------------------------------------------------------------------

    def stored_cursor(self) -> CursorValue | None:
        """Where the next run resumes."""
        with self.sessions() as session:
            row = session.get(Cursor, self.flow.name)
            return cursor_value(row.value) if row is not None else None

    def run(self, *, concurrency: int = 4, on_packet: PacketHook | None = None) -> RunSummary:
        """Read every packet after the stored cursor and take each through the flow once."""
        summary = RunSummary(run_id=uuid.uuid4().hex[:16])
        start_cursor = self.stored_cursor()
        with self.sessions.begin() as session:
            session.add(Run(id=summary.run_id, flow=self.flow.name, version=self.version))
        newest: list[CursorValue | None] = [start_cursor]
        limit = threading.BoundedSemaphore(max(1, concurrency) * 2)
        context = Context(flow=self.flow.name, run_id=summary.run_id, cursor=start_cursor)

        def work(packet: Packet) -> None:
            try:
                outcome, result = self._handle(packet, summary)
                with self._lock:
                    summary.counts[outcome] += 1
                    newest[0] = later(newest[0], packet.cursor)
                if on_packet is not None:
                    on_packet(outcome, result)
            finally:
                limit.release()

        futures: list[Future[None]] = []
        status = "finished"
        try:
            with ThreadPoolExecutor(max_workers=max(1, concurrency),
                                    thread_name_prefix=f"flow-{self.flow.name}") as pool:
                for packet in read_packets(self.flow, context, self.connectors):
                    limit.acquire()
                    futures.append(pool.submit(work, packet))
                for future in futures:
                    future.result()
        except Exception as error:
            status = "failed"
            raise RunError(f"{self.flow.name}: the run stopped ({type(error).__name__}: "
                           f"{error}); the cursor was not moved, so the next run reads the "
                           "same packets again and the ledger skips what was delivered") from error
        finally:
            self._finish(summary, status, newest[0] if status == "finished" else None)
        return summary

    def _finish(self, summary: RunSummary, status: str, cursor: CursorValue | None) -> None:
        with self.sessions.begin() as session:
            run = session.get(Run, summary.run_id)
            if run is not None:
                run.status, run.finished_at, run.counts = status, utcnow(), dict(summary.counts)
            if cursor is not None:
                summary.cursor = cursor
                row = session.get(Cursor, self.flow.name)
                if row is None:
                    session.add(Cursor(flow=self.flow.name, value=cursor_json(cursor)))
                else:
                    row.value = cursor_json(cursor)

    # -- one packet -----------------------------------------------------------------------------

    def _claim(self, packet: Packet, run_id: str) -> tuple[str | None, LedgerEntry | None]:
        """Mark the packet in flight; or say why it must not be processed now."""
        ident = identity(packet)
        try:
            with self.sessions.begin() as session:
                entry = session.scalar(select(LedgerEntry).where(
                    LedgerEntry.flow == self.flow.name, LedgerEntry.identity == ident
                ).with_for_update())
                if entry is not None and entry.state != PacketState.IN_FLIGHT:
                    return "already_done", entry
                if entry is not None and not self.sink_idempotent:
                    entry.state = PacketState.FAILED.value
                    session.add(self._failure(packet, run_id, self._first_unit(),
                                              IN_DOUBT, IN_DOUBT_MESSAGE, "", packet.record))
                    return "in_doubt", entry
                if entry is None:
                    entry = LedgerEntry(flow=self.flow.name, identity=ident,
                                        packet_key=packet.key, state=PacketState.IN_FLIGHT.value,
                                        run_id=run_id)
                    session.add(entry)
                else:
                    entry.run_id = run_id
        except IntegrityError:
            return "already_done", None  # another run claimed it a moment ago
        return None, entry

    def _first_unit(self) -> str:
        return (self.flow.steps[0] if self.flow.steps else self.flow.sink_unit).name

    def _handle(self, packet: Packet, summary: RunSummary) -> tuple[str, PacketResult | None]:
        refused, _ = self._claim(packet, summary.run_id)
        if refused is not None:
            return refused, None
        context = Context(flow=self.flow.name, run_id=summary.run_id)
        result = process(self.flow, packet, context, self.connectors)
        failure_id = self._record(packet, result, summary.run_id)
        if failure_id is not None:
            with self._lock:
                summary.failure_ids.append(failure_id)
        return result.outcome.value, result

    def _record(self, packet: Packet, result: PacketResult, run_id: str) -> int | None:
        """Move the ledger to the outcome, audit it, keep a failed message when one is due."""
        keep = result.outcome is Outcome.FAILED or (
            result.outcome is Outcome.BAD and self.spec.on_bad_record.action == "fail")
        state = PacketState.FAILED if keep else PacketState(result.outcome.value)
        reference = target_reference(result.written)
        with self.sessions.begin() as session:
            entry = session.scalar(select(LedgerEntry).where(
                LedgerEntry.flow == self.flow.name, LedgerEntry.identity == identity(packet)))
            if entry is not None:
                entry.state, entry.target_ref = state.value, reference
            session.add(AuditEntry(run_id=run_id, flow=self.flow.name, version=self.version,
                                   packet_key=packet.key, source_ref=identity(packet),
                                   target_ref=reference, outcome=result.outcome.value,
                                   detail=result.message))
            if not keep:
                return None
            failure = self._failure(packet, run_id, result.unit or self._first_unit(),
                                    result.error_type or "Error", result.message or "",
                                    result.traceback or "", result.unit_input)
            session.add(failure)
            session.flush()
            return failure.id

    def _failure(self, packet: Packet, run_id: str, unit: str,
                 error_type: str, message: str, trace: str, unit_input: Any) -> FailedMessage:
        return FailedMessage(flow=self.flow.name, version=self.version, run_id=run_id,
                             packet_key=packet.key, identity=identity(packet), unit=unit,
                             error_type=error_type, message=message[:10_000],
                             traceback=trace[-20_000:],
                             packet=redacted(packet.record, self.spec.sensitive_fields),
                             unit_input={"value": to_jsonable(unit_input)})

    # -- replay ---------------------------------------------------------------------------------

    def replay(self, failure_id: int) -> tuple[str, PacketResult | None]:
        """Run a failed packet again from its failed unit, with the current flow code.

        Never twice into the target: a packet the ledger shows delivered is not sent again.
        """
        with self.sessions() as session:
            failure = session.get(FailedMessage, failure_id)
            if failure is None or failure.flow != self.flow.name:
                raise LookupError(f"no failed message {failure_id} of {self.flow.name}")
            if failure.state != FailureState.OPEN:
                return "already_resolved", None
            entry = session.scalar(select(LedgerEntry).where(
                LedgerEntry.flow == self.flow.name, LedgerEntry.identity == failure.identity))
            stored = failure.unit_input.get("value")
            unit, key, ident = failure.unit, failure.packet_key, failure.identity
        if entry is not None and entry.state == PacketState.DELIVERED:
            self._resolve(failure_id)
            return "already_done", None
        run_id = f"replay-{uuid.uuid4().hex[:10]}"
        with self.sessions.begin() as session:
            session.add(Run(id=run_id, flow=self.flow.name, version=self.version))
            row = session.scalar(select(LedgerEntry).where(
                LedgerEntry.flow == self.flow.name, LedgerEntry.identity == ident))
            if row is not None:
                row.state, row.run_id = PacketState.IN_FLIGHT.value, run_id
        packet = Packet(key=key, record=stored, cursor=None)
        context = Context(flow=self.flow.name, run_id=run_id)
        result = process(self.flow, packet, context, self.connectors, start_at=unit, value=stored)
        with self.sessions.begin() as session:
            row = session.scalar(select(LedgerEntry).where(
                LedgerEntry.flow == self.flow.name, LedgerEntry.identity == ident))
            state = PacketState(result.outcome.value) if result.outcome is not Outcome.BAD \
                or self.spec.on_bad_record.action == "skip" else PacketState.FAILED
            if row is not None:
                row.state, row.target_ref = state.value, target_reference(result.written)
            session.add(AuditEntry(run_id=run_id, flow=self.flow.name, version=self.version,
                                   packet_key=key, source_ref=ident,
                                   target_ref=target_reference(result.written),
                                   outcome=result.outcome.value, detail=result.message))
            run = session.get(Run, run_id)
            if run is not None:
                run.status, run.finished_at = "finished", utcnow()
                run.counts = {result.outcome.value: 1}
            failure = session.get(FailedMessage, failure_id)
            if failure is not None:
                if state in (PacketState.DELIVERED, PacketState.SKIPPED, PacketState.BAD):
                    failure.state = FailureState.RESOLVED.value
                else:
                    failure.error_type = result.error_type or failure.error_type
                    failure.message = result.message or failure.message
                    failure.traceback = result.traceback or failure.traceback
                    failure.version = self.version
        return result.outcome.value, result

    def _resolve(self, failure_id: int) -> None:
        with self.sessions.begin() as session:
            failure = session.get(FailedMessage, failure_id)
            if failure is not None:
                failure.state = FailureState.RESOLVED.value
