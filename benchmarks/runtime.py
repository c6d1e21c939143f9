"""How fast the runtime moves packets, next to the ceiling the vendor's limit allows.

10,000 Stripe customers — read 100 a page from the Stripe simulator, served on loopback by a
process of its own with its 25-requests-a-second test-mode limit enforced on a real clock — are
upserted into a SQLite table (in /dev/shm) through the SQL connector's multi-row upsert, by a
flow with a batch sink defined here: once with the runtime's store on SQLite and once on
PostgreSQL (a throw-away server started as the tests start it, or `--postgres URL`).

The ceiling is what the source's limit allows: the least time a perfect client needs for the
same page requests (the limit's own algorithm replayed), so the ratio says how much of the limit
the runtime uses. `written_twice` counts keys the sink wrote more than once; a re-run of the flow
afterwards must write nothing. The ledger's cost per packet is measured on its own in the same
run: claim and record of as many packets, in the runtime's batches.

Each store runs `--rounds` times, alternating with the connector reading the same pages alone
(the source's own pace on this machine, `source_alone_ratio`); figures are medians, each round's
ratio is kept, progress goes to stderr.

    python -m benchmarks.runtime [--json] [--packets N] [--rounds N] [--store sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine

from benchmarks.rate_limits import ideal_seconds
from connectors.core.connector import Connector
from connectors.core.ratelimit import LeakyBucket
from connectors.core.serving import STARTUP_TIMEOUT_S, free_port, serve_on_loopback
from connectors.sql import SqlDatabase, SqlSettings
from connectors.stripe import Customer, Stripe
from connectors.stripe.client import TEST_MODE_REQUESTS_PER_SECOND
from connectors.stripe.simulator import StripeSimulator
from flowkit import Flow
from flowkit.engine import Outcome, Packet, PacketResult
from flowkit.runtime.ledger import Ledger, Recorded
from flowkit.runtime.runner import BATCH_SIZE, FlowRunner
from flowkit.runtime.store import Base, FailedMessage, PacketState, Run, open_store
from flowkit.spec import FlowSpec

PAGE = 100
TARGET_DIR = Path("/dev/shm")  # noqa: S108 - a private temporary directory is made in it
"""Where the target table's file lives when the machine has it: memory, so that its commits'
disk syncs (the target's own cost, as a vendor's disk is the vendor's) do not count as the
runtime's. The runtime's own store stays on disk."""
REFILL_S = 1.2
"""Pause before each measured read: Stripe's bucket (25 at 25/s) is empty again, so each run
starts with the burst the ideal client is credited with."""
CONCURRENCY = 8
STORES = ("sqlite", "postgresql")
SPEC = FlowSpec.model_validate({
    "name": "benchmark-stripe-customers-to-sql", "title": "Benchmark: customers into SQL",
    "intent": "https://github.com/flowbot-dev/flowbot/issues/0",
    "source": {"connector": "stripe", "operation": "customers.list", "key": "id",
               "cursor": "created"},
    "target": {"connector": "sql", "operation": "tables.upsert"},
    "trigger": {"manual": True}, "mapping": [{"target": "id", "source": "id"}],
    "idempotency_key": "id", "on_bad_record": {"action": "skip", "when": "never"}})


def _flow(writes: Counter[str], lock: threading.Lock) -> Flow:
    flow = Flow(SPEC.name)

    @flow.source(key="id", cursor="created")
    def customers(stripe: Stripe) -> Iterator[Customer]:
        yield from stripe.customers.list(page_size=PAGE)

    @flow.sink(batch=PAGE)
    def upsert(batch: list[Customer], sql: SqlDatabase) -> None:
        sql.tables.upsert("customers", [{"id": c.id, "email": c.email or ""} for c in batch],
                          key=["id"])
        with lock:
            writes.update(customer.id for customer in batch)

    return flow


def _serve_stripe(customers: int, port: int) -> None:
    """The child process: a Stripe simulator with `customers` on 127.0.0.1:`port`, until killed."""
    simulator = StripeSimulator(customers=customers, invoices=0, charges=0)
    with serve_on_loopback(simulator.app, port=port):
        threading.Event().wait()


@contextmanager
def _stripe_elsewhere(customers: int) -> Iterator[str]:
    """A Stripe simulator served by a process of its own, as the vendor is: its work (sorting
    and serializing pages) is not ours, and must not compete with the runtime for our
    interpreter. Yields its base URL."""
    port = free_port()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_stripe, args=(customers, port), daemon=True)
    child.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if not child.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the Stripe simulator's process did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.join(timeout=10)


def _target(scratch: Path, name: str) -> SqlDatabase:
    url = f"sqlite:///{scratch / f'{name}.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")  # kept by the file
        connection.exec_driver_sql("CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT)")
    engine.dispose()
    return SqlDatabase(SqlSettings(url=SecretStr(url)))


def _never_in_doubt(packet: Packet) -> FailedMessage:
    raise AssertionError(f"{packet.key}: fresh packets are never in doubt")


def _ledger_us(store_url: str, packets: int) -> float:
    """Microseconds per packet of claiming and recording `packets` in the runtime's batches."""
    sessions = open_store(store_url)
    ledger = Ledger(sessions, "benchmark-ledger-alone", "benchmark")
    with sessions.begin() as session:
        session.add(Run(id="ledger-alone", flow=ledger.flow, version=ledger.version))
    start = time.perf_counter()
    for first in range(0, packets, BATCH_SIZE):
        batch = [Packet(key=f"cus_{n}", record=None, cursor=n)
                 for n in range(first, min(first + BATCH_SIZE, packets))]
        ledger.claim(batch, "ledger-alone", sink_idempotent=True, doubt=_never_in_doubt)
        with sessions.begin() as session:
            ledger.record(session, "ledger-alone", [
                Recorded(packet, f"{packet.key}@{packet.cursor}",
                         PacketResult(packet.key, Outcome.DELIVERED), PacketState.DELIVERED,
                         None) for packet in batch])
    seconds = time.perf_counter() - start
    sessions.kw["bind"].dispose()
    return seconds / packets * 1e6


def _read_alone(vendor: str) -> float:
    """Seconds the connector alone needs to read every page: the source's own pace."""
    with StripeSimulator(customers=0, invoices=0, charges=0).connect(vendor) as stripe:
        start = time.perf_counter()
        for _ in stripe.customers.list(page_size=PAGE):
            pass
        return time.perf_counter() - start


def _through_runtime(vendor: str, store_url: str, target: SqlDatabase,
                     check_rerun: bool) -> dict[str, Any]:
    """One run of the flow on a fresh store (and, when asked, a second run after it)."""
    writes: Counter[str] = Counter()
    connectors: dict[type[Connector], Connector] = {
        Stripe: StripeSimulator(customers=0, invoices=0, charges=0).connect(vendor),
        SqlDatabase: target}
    sessions = open_store(_fresh(store_url))
    runner = FlowRunner(_flow(writes, threading.Lock()), SPEC, connectors, sessions,
                        version="benchmark", sink_idempotent=True)
    start, cpu = time.perf_counter(), time.process_time()
    summary = runner.run(concurrency=CONCURRENCY)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    figures = {"delivered": summary.counts["delivered"], "seconds": seconds, "cpu_s": cpu,
               "written_twice": sum(1 for count in writes.values() if count > 1)}
    if check_rerun:
        written = sum(writes.values())
        time.sleep(REFILL_S)
        again = runner.run(concurrency=CONCURRENCY)
        figures |= {"rerun_writes": sum(writes.values()) - written,
                    "rerun_already_done": again.counts["already_done"]}
    connectors[Stripe].close()
    sessions.kw["bind"].dispose()
    return figures


def measure(packets: int, store_url: str, rounds: int) -> dict[str, Any]:
    """The runtime's runs and the source read alone, alternately for `rounds`; the medians."""
    runs: list[dict[str, Any]] = []
    alone: list[float] = []
    in_memory = TARGET_DIR if TARGET_DIR.is_dir() else None
    with tempfile.TemporaryDirectory(prefix="flowbot-runtime-target-",
                                     dir=in_memory) as scratch_dir, \
            _stripe_elsewhere(packets) as vendor:
        scratch = Path(scratch_dir)
        for round_ in range(rounds):
            time.sleep(REFILL_S)
            alone.append(_read_alone(vendor))
            time.sleep(REFILL_S)
            target = _target(scratch, f"target-{round_}")
            runs.append(_through_runtime(vendor, store_url, target, check_rerun=round_ == 0))
            target.close()
            print(f"round {round_ + 1}/{rounds}: runtime {runs[-1]['seconds']:.2f} s, source "
                  f"alone {alone[-1]:.2f} s", file=sys.stderr)
        ledger_us = _ledger_us(_fresh(store_url), packets)
    requests = -(-packets // PAGE) + 1  # pages, and the last page that says there is no more
    ideal = ideal_seconds(LeakyBucket(TEST_MODE_REQUESTS_PER_SECOND,
                                      TEST_MODE_REQUESTS_PER_SECOND), requests)
    seconds = statistics.median(run["seconds"] for run in runs)
    return {"packets": runs[0]["delivered"], "rounds": rounds,
            "per_s": round(packets / seconds, 1), "ceiling_per_s": round(packets / ideal, 1),
            "ratio": round(ideal / seconds, 3),
            "source_alone_ratio": round(ideal / statistics.median(alone), 3),
            "ratios": [round(ideal / run["seconds"], 3) for run in runs],
            "written_twice": max(run["written_twice"] for run in runs),
            "rerun_writes": runs[0]["rerun_writes"],
            "rerun_already_done": runs[0]["rerun_already_done"],
            "ledger_us_per_packet": round(ledger_us, 1),
            "cpu_us_per_packet": round(statistics.median(run["cpu_s"] for run in runs)
                                       / packets * 1e6, 1),
            "seconds": round(seconds, 2)}


def _postgres(url: str | None) -> AbstractContextManager[str]:
    """The PostgreSQL URL to use: the given one, or a throw-away server's."""
    if url is not None:
        return nullcontext(url)
    from tests.support.binaries import postgres_bin_dir
    from tests.support.postgres_server import running_postgres
    return running_postgres(postgres_bin_dir(), "flowbot_runtime_benchmark")


def _fresh(url: str) -> str:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return url


def main(argv: list[str] | None = None) -> None:
    """Print a table, or one JSON object with --json."""
    parser = argparse.ArgumentParser(description="Time the runtime against the limit's ceiling.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--packets", type=int, default=10_000, help="packets to move")
    parser.add_argument("--store", choices=(*STORES, "both"), default="both",
                        help="the runtime store's database (default both)")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="a PostgreSQL database to use (its runtime tables are dropped "
                             "first) instead of starting a throw-away server")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per store (runtime and source alone alternately); the "
                             "figures are medians (default 3)")
    arguments = parser.parse_args(argv)
    if arguments.packets <= PAGE * TEST_MODE_REQUESTS_PER_SECOND:
        parser.error(f"--packets must exceed {PAGE * TEST_MODE_REQUESTS_PER_SECOND:.0f}: fewer "
                     "fit in Stripe's initial burst, and no limit would bound the run")
    stores = STORES if arguments.store == "both" else (arguments.store,)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="flowbot-runtime-store-") as scratch:
        if "sqlite" in stores:
            results["sqlite"] = measure(arguments.packets,
                                        f"sqlite:///{Path(scratch) / 'runtime.sqlite3'}",
                                        arguments.rounds)
        if "postgresql" in stores:
            with _postgres(arguments.postgres) as url:
                results["postgresql"] = measure(arguments.packets, url, arguments.rounds)
    if arguments.json:
        print(json.dumps(results))
        return
    table = Table(title=f"{arguments.packets} packets: Stripe customers → SQLite, "
                        f"{PAGE} per sink call",
                  caption="ceiling: Stripe's 25 reads/s at 100 a page, replayed ideally")
    for column in ("store", "packets/s", "ceiling/s", "ratio", "source alone", "ledger µs/packet",
                   "CPU µs/packet", "written twice", "re-run writes"):
        table.add_column(column)
    for store, result in results.items():
        table.add_row(store, str(result["per_s"]), str(result["ceiling_per_s"]),
                      str(result["ratio"]), str(result["source_alone_ratio"]),
                      str(result["ledger_us_per_packet"]), str(result["cpu_us_per_packet"]),
                      str(result["written_twice"]), str(result["rerun_writes"]))
    Console().print(table)


if __name__ == "__main__":
    main()
