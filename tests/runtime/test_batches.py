"""Batch sinks through the runtime: packets written in bulk, the ledger kept a batch at a time,
a refused batch split so that its one bad packet fails alone and is replayed after the fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.core.connector import Connector
from connectors.sql import SqlDatabase, SqlSettings
from connectors.sql.records import UpsertResult
from connectors.stripe import Customer, Stripe
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.errors import FlowDefinitionError
from flowkit.runtime.runner import FlowRunner, PacketOutcome
from flowkit.runtime.store import AuditEntry, FailedMessage, FailureState, LedgerEntry, Run
from flowkit.spec import FlowSpec

CUSTOMERS = 45
BATCH = 10
SPEC = FlowSpec.model_validate({
    "name": "stripe-customers-to-sql", "title": "Customers into a SQL table",
    "intent": "https://github.com/flowbot-dev/flowbot/issues/1",
    "source": {"connector": "stripe", "operation": "customers.list", "key": "id",
               "cursor": "created"},
    "target": {"connector": "sql", "operation": "tables.upsert"},
    "trigger": {"manual": True}, "mapping": [{"target": "email", "source": "email"}],
    "idempotency_key": "id", "on_bad_record": {"action": "fail", "when": "never"}})


def _flow(*, fallback_email: bool, calls: list[list[str]] | None = None) -> Flow:
    flow = Flow(SPEC.name)
    seen = calls if calls is not None else []

    @flow.source(key="id", cursor="created")
    def customers(stripe: Stripe) -> Iterator[Customer]:
        yield from stripe.customers.list(page_size=20)

    @flow.sink(batch=BATCH)
    def upsert_rows(batch: list[Customer], sql: SqlDatabase) -> UpsertResult:
        seen.append([c.id for c in batch])
        rows = [{"id": c.id, "email": c.email or (f"{c.id}@unknown.invalid"
                                                  if fallback_email else None)} for c in batch]
        return sql.tables.upsert("customers", rows, key=["id"])

    return flow


@pytest.fixture
def target_url(tmp_path: Path) -> str:
    """The target database: a SQLite file."""
    return f"sqlite:///{tmp_path / 'target.sqlite3'}"


@pytest.fixture
def target(target_url: str) -> Iterator[SqlDatabase]:
    """A SQLite table whose email column refuses NULL, through the SQL connector."""
    url = target_url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL)")
    engine.dispose()
    database = SqlDatabase(SqlSettings(url=SecretStr(url)))
    yield database
    database.close()


def _rows(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {str(row[0]): str(row[1]) for row in connection.exec_driver_sql(
            "SELECT id, email FROM customers")}
    engine.dispose()
    return rows


def test_a_batch_sink_delivers_in_bulk_and_a_refused_batch_fails_only_its_bad_packet(
        sessions: sessionmaker[Session], target: SqlDatabase, target_url: str) -> None:
    stripe = StripeSimulator(customers=CUSTOMERS, invoices=0, charges=0)
    bad = stripe.add_customer(email=None)["id"]
    connectors: dict[type[Connector], Connector] = {Stripe: stripe.connect(), SqlDatabase: target}
    calls: list[list[str]] = []
    runner = FlowRunner(_flow(fallback_email=False, calls=calls), SPEC, connectors, sessions,
                        version="v1", sink_idempotent=True)

    first = runner.run(concurrency=3)
    second = runner.run(concurrency=3)

    assert first.counts == {"delivered": CUSTOMERS, "failed": 1}
    assert second.counts == {"already_done": CUSTOMERS + 1}  # the failure waits for a replay
    assert max(len(call) for call in calls) == BATCH
    refused = next(call for call in calls if bad in call and len(call) > 1)
    after = calls[calls.index(refused) + 1:]
    assert all([key] in after for key in refused)  # the refused batch, again one by one
    rows = _rows(target_url)
    assert len(rows) == CUSTOMERS
    assert bad not in rows
    with sessions() as session:
        failures = list(session.scalars(select(FailedMessage).order_by(FailedMessage.id)))
        audit = session.scalar(select(func.count()).select_from(AuditEntry))
        ledger = session.scalar(select(func.count()).select_from(LedgerEntry))
    assert [f.packet_key for f in failures] == [bad]
    assert (failures[0].unit, failures[0].error_type) == ("upsert_rows", "ValidationFailed")
    assert failures[0].unit_input["value"]["id"] == bad
    assert ledger == CUSTOMERS + 1
    assert audit == CUSTOMERS + 1

    fixed = FlowRunner(_flow(fallback_email=True), SPEC, connectors, sessions, version="v2",
                       sink_idempotent=True)
    outcome, _ = fixed.replay(failures[0].id)
    again, _ = fixed.replay(failures[0].id)

    assert outcome is PacketOutcome.DELIVERED
    assert again is PacketOutcome.ALREADY_RESOLVED
    assert _rows(target_url)[bad] == f"{bad}@unknown.invalid"
    with sessions() as session:
        states = {f.id: f.state for f in session.scalars(select(FailedMessage))}
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.packet_key == bad))
        versions = set(session.scalars(select(Run.version)))
    assert list(states.values()) == [FailureState.RESOLVED.value]
    assert entry is not None
    assert entry.state == "delivered"
    assert versions == {"v1", "v2"}


def test_a_batch_sink_must_write_through_an_idempotent_operation(
        sessions: sessionmaker[Session], target: SqlDatabase) -> None:
    stripe = StripeSimulator(customers=1, invoices=0, charges=0)
    connectors: dict[type[Connector], Connector] = {Stripe: stripe.connect(), SqlDatabase: target}

    with pytest.raises(FlowDefinitionError, match=r"batch sink upsert_rows .* not idempotent"):
        FlowRunner(_flow(fallback_email=False), SPEC, connectors, sessions, version="v1",
                   sink_idempotent=False)
