"""Running a flow for real: every packet once, through the ledger, with an audit trail.

A reader thread takes packets from the source; the run groups them into batches (what has
arrived, up to a batch size) and takes each batch through three stages: claim it in the ledger
(one transaction), run its packets through the steps and the sink (a pool of workers, or one
call of a batch sink per chunk), record the outcomes (one transaction). Several batches are in
progress at once (`BATCHES_IN_PROGRESS`), so the ledger's commits overlap the connectors' work.

An outcome that needs a person (a failure, or a bad record the spec says to keep) becomes a
failed message with the packet. The cursor moves only when the whole run has finished, so a run
that is killed never skips data; the ledger makes the next run skip what was delivered.

A sink that is not idempotent is claimed `concurrency` packets at a time, one batch at a time:
after a kill at most that many packets are in doubt (never sent again, kept for a person).
"""

from __future__ import annotations

import enum
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.core.connector import Connector
from connectors.core.redaction import first_line
from flowkit.context import Context, CursorValue, later
from flowkit.engine import (
    Outcome,
    Packet,
    PacketResult,
    Ready,
    deliver,
    deliver_batch,
    read_packets,
    run_steps,
    to_jsonable,
)
from flowkit.errors import FlowDefinitionError
from flowkit.flow import Flow
from flowkit.runtime.ledger import Claim, Ledger, Recorded
from flowkit.runtime.packets import cursor_json, cursor_value, identity, redacted
from flowkit.runtime.store import (
    Cursor,
    FailedMessage,
    FailureState,
    PacketState,
    Run,
    RunStatus,
)
from flowkit.runtime.tables import utcnow
from flowkit.spec import FlowSpec

IN_DOUBT = "InDoubt"
IN_DOUBT_MESSAGE = ("a previous run stopped after it had started writing this packet, and the "
                    "sink is not idempotent: the target may already have it. It was not sent "
                    "again. Check the target; replay only if it is not there.")
BATCH_SIZE = 200
"""Packets per ledger transaction when the sink is idempotent (a batch sink's own size when
larger)."""
BATCHES_IN_PROGRESS = 4
READ_AHEAD_BATCHES = 10
"""Batches' worth of packets the source may read ahead of the ledger and the sink: room to go on
reading at the vendor's pace while a commit or a checkpoint stalls."""
_GATHER_WAIT_S = 0.002
"""How long a batch waits for more packets after its first: a page arrives as a burst."""


class PacketOutcome(enum.StrEnum):
    """How one packet ended in a run or a replay."""

    DELIVERED = "delivered"
    SKIPPED = "skipped"
    BAD = "bad"
    FAILED = "failed"
    ALREADY_DONE = "already_done"
    """The ledger shows it finished by an earlier run: not processed again."""
    IN_DOUBT = "in_doubt"
    """An earlier run may have written it and the sink is not idempotent: kept for a person."""
    ALREADY_RESOLVED = "already_resolved"
    """Replay only: the failed message was resolved before."""


PacketHook = Callable[[PacketOutcome, PacketResult | None], None]
"""Called after each packet with how it ended."""


@dataclass
class RunSummary:
    """What a run did."""

    run_id: str
    counts: Counter[str] = field(default_factory=Counter)
    cursor: CursorValue | None = None
    failure_ids: list[int] = field(default_factory=list)


@dataclass
class ReplaySummary:
    """What replaying a flow's waiting failed messages did."""

    counts: Counter[str] = field(default_factory=Counter)
    failure_ids: list[int] = field(default_factory=list)
    """The failed messages that failed again (still open)."""
    resolved_ids: list[int] = field(default_factory=list)
    """The failed messages whose packet this replay delivered (or skipped, as the flow now
    says): resolved."""


def _waiting(version: str) -> tuple[ColumnElement[bool], ...]:
    """Open failed messages kept on another version than `version`, except packets in doubt
    (the target may already hold them, and only a person can tell): what a replay may deliver."""
    return (FailedMessage.state == FailureState.OPEN.value, FailedMessage.version != version,
            FailedMessage.error_type != IN_DOUBT)


def waiting_failures(sessions: sessionmaker[Session], flow: str,
                     version: str) -> list[tuple[int, str]]:
    """`flow`'s failed messages a replay on `version` may deliver: `(id, the version it
    failed on)`, in the order they failed."""
    query = (select(FailedMessage.id, FailedMessage.version)
             .where(FailedMessage.flow == flow, *_waiting(version)).order_by(FailedMessage.id))
    with sessions() as session:
        return [(failure_id, kept_on) for failure_id, kept_on in session.execute(query).all()]


def waiting_versions(sessions: sessionmaker[Session], version: str) -> list[tuple[str, str]]:
    """Each `(flow, version it failed on)` with failed messages a replay on `version` may
    deliver."""
    query = (select(FailedMessage.flow, FailedMessage.version).where(*_waiting(version))
             .distinct().order_by(FailedMessage.flow, FailedMessage.version))
    with sessions() as session:
        return [(flow, kept_on) for flow, kept_on in session.execute(query).all()]


class RunError(Exception):
    """A run that could not read its source or could not finish; nothing was skipped."""


@dataclass
class _Done:
    """The end of the source: None when it was read to the end, else what stopped it."""

    error: BaseException | None


class FlowRunner:
    """Runs one flow with its connectors against one store."""

    def __init__(self, flow: Flow, spec: FlowSpec, connectors: Mapping[type[Connector], Connector],
                 sessions: sessionmaker[Session], *, version: str, sink_idempotent: bool) -> None:
        if flow.sink_unit.batch is not None and not sink_idempotent:
            raise FlowDefinitionError(
                f"{flow.name}: the batch sink {flow.sink_unit.name} writes through "
                f"`{spec.target.connector}.{spec.target.operation}`, which is not idempotent; "
                "a failed batch is sent again one packet at a time, so a batch sink needs an "
                "upsert or a keyed create")
        self.flow = flow
        self.spec = spec
        self.connectors = dict(connectors)
        self.sessions = sessions
        self.version = version
        self.sink_idempotent = sink_idempotent
        self.ledger = Ledger(sessions, flow.name, version)
        self._lock = threading.Lock()

    # -- a run ----------------------------------------------------------------------------------

    def stored_cursor(self) -> CursorValue | None:
        """Where the next run resumes."""
        with self.sessions() as session:
            row = session.get(Cursor, self.flow.name)
            return cursor_value(row.value) if row is not None else None

    def batch_size(self, concurrency: int) -> int:
        """Packets per ledger transaction: few for a sink that is not idempotent (they are the
        most a kill leaves in doubt), many otherwise."""
        if not self.sink_idempotent:
            return max(1, concurrency)
        return max(BATCH_SIZE, self.flow.sink_unit.batch or 0)

    def run(self, *, concurrency: int = 4, on_packet: PacketHook | None = None) -> RunSummary:
        """Read every packet after the stored cursor and take each through the flow once."""
        summary = RunSummary(run_id=uuid.uuid4().hex[:16])
        start_cursor = self.stored_cursor()
        with self.sessions.begin() as session:
            session.add(Run(id=summary.run_id, flow=self.flow.name, version=self.version))
        newest: list[CursorValue | None] = [start_cursor]
        context = Context(flow=self.flow.name, run_id=summary.run_id, cursor=start_cursor)
        in_progress = 1 if not self.sink_idempotent else BATCHES_IN_PROGRESS
        slots = threading.BoundedSemaphore(in_progress)
        status = RunStatus.FINISHED
        try:
            with ThreadPoolExecutor(max_workers=max(1, concurrency),
                                    thread_name_prefix=f"flow-{self.flow.name}") as workers, \
                    ThreadPoolExecutor(max_workers=in_progress) as batches:

                def take(batch: list[Packet]) -> None:
                    try:
                        self._batch(batch, summary, workers, on_packet)
                        with self._lock:
                            for packet in batch:
                                newest[0] = later(newest[0], packet.cursor)
                    finally:
                        slots.release()

                futures: list[Future[None]] = []
                for batch in self._batches(context, self.batch_size(concurrency)):
                    slots.acquire()
                    futures.append(batches.submit(take, batch))
                    for finished in [f for f in futures if f.done()]:
                        finished.result()  # a batch that failed stops the run now
                    futures = [f for f in futures if not f.done()]
                for future in futures:
                    future.result()
        except Exception as error:
            status = RunStatus.FAILED
            raise RunError(f"{self.flow.name}: the run stopped ({type(error).__name__}: "
                           f"{first_line(error)}); the cursor was not moved, so the next run "
                           "reads the same packets again and the ledger skips what was "
                           "delivered") from error
        finally:
            self._finish(summary, status,
                         newest[0] if status is RunStatus.FINISHED else None)
        return summary

    def _batches(self, context: Context, size: int) -> Iterator[list[Packet]]:
        """The source's packets in batches of what has arrived, read by a thread of its own."""
        arrived: queue.Queue[Packet | _Done] = queue.Queue(maxsize=size * READ_AHEAD_BATCHES)
        stop = threading.Event()

        def offer(item: Packet | _Done) -> bool:
            """Queue an item unless the run has stopped taking them; whether it was queued."""
            while not stop.is_set():
                try:
                    arrived.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for packet in read_packets(self.flow, context, self.connectors):
                    if not offer(packet):
                        return
            except Exception as error:  # the source's failure ends the run, re-raised below
                offer(_Done(error))
                return
            offer(_Done(None))

        reader = threading.Thread(target=read, name=f"source-{self.flow.name}", daemon=True)
        reader.start()
        try:
            done: _Done | None = None
            while done is None:
                batch: list[Packet] = []
                item = arrived.get()
                while isinstance(item, Packet):
                    batch.append(item)
                    if len(batch) >= size:
                        break
                    try:
                        item = arrived.get(timeout=_GATHER_WAIT_S)
                    except queue.Empty:
                        break
                if isinstance(item, _Done):
                    done = item
                if batch:
                    yield batch
            if done.error is not None:
                raise done.error
        finally:
            stop.set()
            reader.join(timeout=5)

    def _finish(self, summary: RunSummary, status: RunStatus, cursor: CursorValue | None) -> None:
        with self.sessions.begin() as session:
            run = session.get(Run, summary.run_id)
            if run is not None:
                run.status, run.finished_at = status.value, utcnow()
                run.counts = {str(outcome): count for outcome, count in summary.counts.items()}
            if cursor is not None:
                summary.cursor = cursor
                row = session.get(Cursor, self.flow.name)
                if row is None:
                    session.add(Cursor(flow=self.flow.name, value=cursor_json(cursor)))
                else:
                    row.value = cursor_json(cursor)

    # -- one batch ------------------------------------------------------------------------------

    def _batch(self, batch: list[Packet], summary: RunSummary, workers: ThreadPoolExecutor,
               on_packet: PacketHook | None) -> None:
        """Claim, process and record one batch."""
        run_id = summary.run_id
        claims = self.ledger.claim(batch, run_id, sink_idempotent=self.sink_idempotent,
                                   doubt=lambda packet: self._in_doubt(packet, run_id))
        claimed = [p for p, c in zip(batch, claims.claims, strict=True) if c is Claim.CLAIMED]
        results = self._process(claimed, run_id, workers)
        recorded = [self._recorded(packet, result, run_id)
                    for packet, result in zip(claimed, results, strict=True)]
        with self.sessions.begin() as session:
            self.ledger.record(session, run_id, recorded)
        failure_ids = claims.failure_ids + [one.failure.id for one in recorded
                                            if one.failure is not None]
        with self._lock:
            summary.failure_ids += failure_ids
            for claim in claims.claims:
                if claim is not Claim.CLAIMED:
                    summary.counts[PacketOutcome(claim.value)] += 1
            for one in recorded:
                summary.counts[PacketOutcome(one.result.outcome.value)] += 1
        if on_packet is not None:
            for claim in claims.claims:
                if claim is not Claim.CLAIMED:
                    on_packet(PacketOutcome(claim.value), None)
            for one in recorded:
                on_packet(PacketOutcome(one.result.outcome.value), one.result)

    def _process(self, packets: list[Packet], run_id: str,
                 workers: ThreadPoolExecutor) -> list[PacketResult]:
        """Each packet through the steps and the sink; results in order."""
        if not packets:
            return []

        def steps(packet: Packet) -> PacketResult | Ready:
            return run_steps(self.flow, packet, Context(flow=self.flow.name, run_id=run_id),
                             self.connectors)

        if self.flow.sink_unit.batch is None:
            def whole(packet: Packet) -> PacketResult:
                ready = steps(packet)
                if isinstance(ready, PacketResult):
                    return ready
                return deliver(self.flow, ready, Context(flow=self.flow.name, run_id=run_id),
                               self.connectors)

            return list(workers.map(whole, packets))
        stepped = list(workers.map(steps, packets)) if self.flow.steps else [
            Ready(packet, packet.record) for packet in packets]
        ready = [one for one in stepped if isinstance(one, Ready)]
        delivered = iter(deliver_batch(self.flow, ready, Context(flow=self.flow.name,
                                                                 run_id=run_id),
                                       self.connectors))
        return [next(delivered) if isinstance(one, Ready) else one for one in stepped]

    # -- outcomes -------------------------------------------------------------------------------

    def kept(self, result: PacketResult) -> bool:
        """Whether an outcome is kept as a failed message: a failure, or a bad record the spec
        says to keep."""
        return result.outcome is Outcome.FAILED or (
            result.outcome is Outcome.BAD and self.spec.on_bad_record.action == "fail")

    def _recorded(self, packet: Packet, result: PacketResult, run_id: str) -> Recorded:
        if not self.kept(result):
            return Recorded(packet, identity(packet), result, PacketState(result.outcome.value),
                            None)
        failure = self._failure(packet, run_id, result.unit or self._first_unit(),
                                result.error_type or "Error", result.message or "",
                                result.traceback or "", result.unit_input)
        return Recorded(packet, identity(packet), result, PacketState.FAILED, failure)

    def _in_doubt(self, packet: Packet, run_id: str) -> FailedMessage:
        return self._failure(packet, run_id, self._first_unit(), IN_DOUBT, IN_DOUBT_MESSAGE, "",
                             packet.record)

    def _first_unit(self) -> str:
        return (self.flow.steps[0] if self.flow.steps else self.flow.sink_unit).name

    def _failure(self, packet: Packet, run_id: str, unit: str,
                 error_type: str, message: str, trace: str, unit_input: Any) -> FailedMessage:
        return FailedMessage(flow=self.flow.name, version=self.version, run_id=run_id,
                             packet_key=packet.key, identity=identity(packet), unit=unit,
                             error_type=error_type, message=message[:10_000],
                             traceback=trace[-20_000:],
                             packet=redacted(packet.record, self.spec.sensitive_fields),
                             unit_input={"value": to_jsonable(unit_input)})

    # -- replay ---------------------------------------------------------------------------------

    def replay_waiting(self, changed_since: Callable[[str], bool]) -> ReplaySummary:
        """Replay each open failed message kept on an earlier version whose flow code changed
        since (`changed_since(commit)`), on this version: a merged repair delivers the packets
        it fixes. One that fails again keeps its failed message, now of this version, so it is
        not replayed again until the code changes once more; and it is a new occurrence of its
        failure, to be filed again (counted on its issue, or refiled when the issue was closed
        by the repair that did not hold)."""
        summary = ReplaySummary()
        changed: dict[str, bool] = {}
        for failure_id, kept_on in waiting_failures(self.sessions, self.flow.name,
                                                    self.version):
            if kept_on not in changed:
                changed[kept_on] = changed_since(kept_on)
            if not changed[kept_on]:
                continue
            outcome, result = self.replay(failure_id)
            summary.counts[outcome] += 1
            if result is not None and not self.kept(result):
                summary.resolved_ids.append(failure_id)
            elif result is not None:
                summary.failure_ids.append(failure_id)
                with self.sessions.begin() as session:
                    row = session.get(FailedMessage, failure_id)
                    if row is not None:
                        row.issue_url = None
        return summary

    def replay(self, failure_id: int) -> tuple[PacketOutcome, PacketResult | None]:
        """Run a failed packet again from its failed unit, with the current flow code.

        Never twice into the target: a packet the ledger shows delivered is not sent again.
        """
        failure = self._replayable(failure_id)
        if isinstance(failure, PacketOutcome):
            return failure, None
        run_id = f"replay-{uuid.uuid4().hex[:10]}"
        self._replay_claim(failure, run_id)
        stored = failure.unit_input.get("value")
        packet = Packet(key=failure.packet_key, record=stored, cursor=None)
        context = Context(flow=self.flow.name, run_id=run_id)
        ready = run_steps(self.flow, packet, context, self.connectors, start_at=failure.unit,
                          value=stored)
        result = ready if isinstance(ready, PacketResult) else deliver(
            self.flow, ready, context, self.connectors)
        self._replay_record(failure, run_id, result)
        return PacketOutcome(result.outcome.value), result

    def _replayable(self, failure_id: int) -> FailedMessage | PacketOutcome:
        """The open failed message to replay, or why there is nothing to send."""
        with self.sessions() as session:
            failure = session.get(FailedMessage, failure_id)
            if failure is None or failure.flow != self.flow.name:
                raise LookupError(f"no failed message {failure_id} of {self.flow.name}")
            if failure.state != FailureState.OPEN:
                return PacketOutcome.ALREADY_RESOLVED
            entry = self.ledger.entry(session, failure.identity)
        if entry is not None and entry.state == PacketState.DELIVERED:
            with self.sessions.begin() as session:
                row = session.get(FailedMessage, failure_id)
                if row is not None:
                    row.state = FailureState.RESOLVED.value
            return PacketOutcome.ALREADY_DONE
        return failure

    def _replay_claim(self, failure: FailedMessage, run_id: str) -> None:
        """The replay's run row, and its packet in flight."""
        with self.sessions.begin() as session:
            session.add(Run(id=run_id, flow=self.flow.name, version=self.version))
            entry = self.ledger.entry(session, failure.identity)
            if entry is not None:
                entry.state, entry.run_id = PacketState.IN_FLIGHT.value, run_id

    def _replay_record(self, failure: FailedMessage, run_id: str, result: PacketResult) -> None:
        """The outcome in the ledger and the audit trail; the failed message resolved, or
        updated with the new error."""
        packet = Packet(key=failure.packet_key, record=None, cursor=None)
        kept = self.kept(result)
        state = PacketState.FAILED if kept else PacketState(result.outcome.value)
        with self.sessions.begin() as session:
            self.ledger.record(session, run_id,
                               [Recorded(packet, failure.identity, result, state, None)])
            run = session.get(Run, run_id)
            if run is not None:
                run.status, run.finished_at = RunStatus.FINISHED.value, utcnow()
                run.counts = {result.outcome.value: 1}
            row = session.get(FailedMessage, failure.id)
            if row is None:
                return
            if not kept:
                row.state = FailureState.RESOLVED.value
            else:
                row.error_type = result.error_type or row.error_type
                row.message = result.message or row.message
                row.traceback = result.traceback or row.traceback
                row.version = self.version
