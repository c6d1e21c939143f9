"""The idempotency ledger, read and written a batch of packets per transaction.

A batch is claimed in one transaction and recorded in one (the outcomes, the audit rows, the
failed messages). For a sink that is not idempotent the claim commits the batch's rows as
`in_flight` before any of its packets reaches the sink: a packet whose claim is committed and
whose outcome is not was perhaps written, and the next run treats it as in doubt, never sending
it again. For an idempotent sink the claim only reads what earlier runs finished, and a packet
cut off by a kill is written again, harmlessly. Either way a packet recorded as finished is
never sent again; only the cost changes: two transactions per batch instead of per packet.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from flowkit.engine import Packet, PacketResult
from flowkit.runtime.packets import identity, target_reference
from flowkit.runtime.store import AuditEntry, Base, FailedMessage, LedgerEntry, PacketState
from flowkit.runtime.tables import utcnow

_LEDGER = Table(LedgerEntry.__tablename__, Base.metadata)
_AUDIT = Table(AuditEntry.__tablename__, Base.metadata)
_OUTCOME_COLUMNS = ("state", "run_id", "target_ref", "updated_at")
_PG_LEDGER = text(
    "INSERT INTO flowbot_ledger (flow, identity, packet_key, state, run_id, target_ref, "
    "updated_at) SELECT :flow, i, k, s, :run_id, t, :at FROM unnest(CAST(:identity AS text[]), "
    "CAST(:packet_key AS text[]), CAST(:state AS text[]), CAST(:target_ref AS text[])) "
    "AS u(i, k, s, t) ON CONFLICT (flow, identity) DO UPDATE SET state = excluded.state, "
    "run_id = excluded.run_id, target_ref = excluded.target_ref, "
    "updated_at = excluded.updated_at")
_PG_AUDIT = text(
    "INSERT INTO flowbot_audit (run_id, flow, version, packet_key, source_ref, target_ref, "
    "outcome, detail, at) SELECT :run_id, :flow, :version, k, r, t, o, d, :at FROM "
    "unnest(CAST(:packet_key AS text[]), CAST(:source_ref AS text[]), "
    "CAST(:target_ref AS text[]), CAST(:outcome AS text[]), CAST(:detail AS text[])) "
    "AS u(k, r, t, o, d)")


def _columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


def _record_postgresql(session: Session, rows: list[dict[str, Any]],
                       audit: list[dict[str, Any]]) -> None:
    """A batch's outcomes and audit rows as two statements whose parameters are arrays: the
    server plans and runs each once per batch, not once per packet."""
    first = rows[0]
    session.execute(_PG_LEDGER, {"flow": first["flow"], "run_id": first["run_id"],
                                 "at": first["updated_at"],
                                 **_columns(rows, ("identity", "packet_key", "state",
                                                   "target_ref"))})
    head = audit[0]
    session.execute(_PG_AUDIT, {"run_id": head["run_id"], "flow": head["flow"],
                                "version": head["version"], "at": head["at"],
                                **_columns(audit, ("packet_key", "source_ref", "target_ref",
                                                   "outcome", "detail"))})


class Claim(enum.StrEnum):
    """What the ledger says about a packet the run is about to process."""

    CLAIMED = "claimed"
    """This run processes it (its row `in_flight` when the sink is not idempotent)."""
    ALREADY_DONE = "already_done"
    """An earlier run (or another runner a moment ago) finished it: skip it."""
    IN_DOUBT = "in_doubt"
    """An earlier run stopped while writing it and the sink is not idempotent: not sent again;
    the caller keeps a failed message for a person."""


@dataclass
class Claims:
    """The claim of each packet of a batch, and the failed messages kept for those in doubt."""

    claims: list[Claim]
    failure_ids: list[int]


@dataclass(frozen=True)
class Recorded:
    """One packet's outcome, as the ledger and the audit trail keep it."""

    packet: Packet
    identity: str
    """Its ledger identity (a replayed packet has no cursor of its own to make it from)."""
    result: PacketResult
    state: PacketState
    failure: FailedMessage | None
    """The failed message to keep (a failure, or a bad record the spec keeps), else None."""


class Ledger:
    """The ledger rows of one flow."""

    def __init__(self, sessions: sessionmaker[Session], flow: str, version: str) -> None:
        self.sessions = sessions
        self.flow = flow
        self.version = version

    def entry(self, session: Session, ident: str) -> LedgerEntry | None:
        """The ledger row of one packet version (the one query every single-packet path uses)."""
        return session.scalar(select(LedgerEntry).where(LedgerEntry.flow == self.flow,
                                                        LedgerEntry.identity == ident))

    def claim(self, packets: Sequence[Packet], run_id: str, *, sink_idempotent: bool,
              doubt: Callable[[Packet], FailedMessage]) -> Claims:
        """Claim packets for `run_id`: one claim per packet, in order.

        For an idempotent sink the claim only reads: a packet an earlier run finished is
        skipped, any other is processed, and `record` writes its row with the outcome (one a
        kill cut off mid-write is written again, which an upsert or a keyed create makes
        harmless). For a sink that is not idempotent, the new packets' rows are moved to
        `in_flight` and committed before any of them reaches the sink; a packet an earlier run
        left `in_flight` is `IN_DOUBT`, moved to `failed`, and `doubt` makes its failed message.
        When another runner inserts one of these rows first, the batch is claimed again one
        packet at a time.
        """
        if sink_idempotent:
            with self.sessions() as session:
                known = self._states(session, packets, lock=False)
            return Claims(self._fresh(packets, known, lambda _: Claim.CLAIMED), [])
        try:
            with self.sessions.begin() as session:
                return self._claim(session, packets, run_id, doubt)
        except IntegrityError:
            if len(packets) == 1:
                return Claims([Claim.ALREADY_DONE], [])
        claims = Claims([], [])
        for packet in packets:
            one = self.claim([packet], run_id, sink_idempotent=False, doubt=doubt)
            claims.claims += one.claims
            claims.failure_ids += one.failure_ids
        return claims

    def _states(self, session: Session, packets: Sequence[Packet], *,
                lock: bool) -> dict[str, str]:
        """The ledger state of each of these packets that has a row."""
        query = select(LedgerEntry.identity, LedgerEntry.state).where(
            LedgerEntry.flow == self.flow,
            LedgerEntry.identity.in_(sorted({identity(packet) for packet in packets})))
        return dict(session.execute(query.with_for_update() if lock else query).all())

    @staticmethod
    def _fresh(packets: Sequence[Packet], known: dict[str, str],
               in_flight: Callable[[Packet], Claim]) -> list[Claim]:
        """ALREADY_DONE for a packet finished before or met twice in the batch; CLAIMED for a
        new one; `in_flight(packet)` for one an earlier run left in flight."""
        claims: list[Claim] = []
        seen: set[str] = set()
        for packet in packets:
            ident = identity(packet)
            state = known.get(ident)
            if ident in seen or (state is not None and state != PacketState.IN_FLIGHT):
                claims.append(Claim.ALREADY_DONE)
            else:
                claims.append(Claim.CLAIMED if state is None else in_flight(packet))
            seen.add(ident)
        return claims

    def _claim(self, session: Session, packets: Sequence[Packet], run_id: str,
               doubt: Callable[[Packet], FailedMessage]) -> Claims:
        doubted: list[FailedMessage] = []

        def in_doubt(packet: Packet) -> Claim:
            doubted.append(doubt(packet))
            return Claim.IN_DOUBT

        claims = self._fresh(packets, self._states(session, packets, lock=True), in_doubt)
        now = utcnow()
        new = [{"flow": self.flow, "identity": identity(packet), "packet_key": packet.key,
                "state": PacketState.IN_FLIGHT.value, "run_id": run_id, "updated_at": now}
               for packet, claim in zip(packets, claims, strict=True) if claim is Claim.CLAIMED]
        if new:
            session.execute(insert(_LEDGER), new)
        if doubted:
            session.execute(update(_LEDGER).where(
                _LEDGER.c.flow == self.flow,
                _LEDGER.c.identity.in_([failure.identity for failure in doubted]))
                .values(state=PacketState.FAILED.value, run_id=run_id, updated_at=now))
            session.add_all(doubted)
            session.flush()
        return Claims(claims, [failure.id for failure in doubted])

    def record(self, session: Session, run_id: str, outcomes: Sequence[Recorded]) -> None:
        """Move each packet's row to its outcome, write its audit row, keep its failed message.

        Runs in the caller's transaction; the failed messages get their ids on flush.
        """
        if not outcomes:
            return
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {"flow": self.flow, "identity": one.identity, "packet_key": one.packet.key,
             "state": one.state.value, "run_id": run_id,
             "target_ref": target_reference(one.result.written), "updated_at": now}
            for one in outcomes]
        audit: list[dict[str, Any]] = [
            {"run_id": run_id, "flow": self.flow, "version": self.version,
             "packet_key": one.packet.key, "source_ref": row["identity"][:255],
             "target_ref": row["target_ref"], "outcome": one.result.outcome.value,
             "detail": one.result.message, "at": now}
            for one, row in zip(outcomes, rows, strict=True)]
        if session.get_bind().dialect.name == "postgresql":
            _record_postgresql(session, rows, audit)
        else:
            upsert = sqlite.insert(_LEDGER)
            session.execute(upsert.on_conflict_do_update(
                index_elements=[_LEDGER.c.flow, _LEDGER.c.identity],
                set_={name: upsert.excluded[name] for name in _OUTCOME_COLUMNS}), rows)
            session.execute(insert(_AUDIT), audit)
        failures = [one.failure for one in outcomes if one.failure is not None]
        if failures:
            session.add_all(failures)
            session.flush()
