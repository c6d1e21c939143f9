"""How fast the runtime moves packets, next to the ceiling the vendors' limits allow.

10,000 Stripe customers (read 100 a page from the Stripe simulator, its 25-requests-a-second
test-mode limit enforced on a real clock) are upserted one packet at a time into a SQLite table
through the SQL connector, by a flow defined here. The ceiling is what the source's limit
allows: the least time a perfect client needs for the same page requests (the limit's own
algorithm replayed), so the ratio says how much of the limit the runtime uses. The ledger's
cost is the difference between the same flow run through the runtime (ledger, audit) and
through the bare packet engine, same packets, same run; `written_twice` counts keys the sink
wrote more than once.

    python -m benchmarks.runtime [--json] [--packets N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine

from benchmarks.rate_limits import ideal_seconds
from connectors.core.connector import Connector
from connectors.core.ratelimit import LeakyBucket
from connectors.sql import SqlDatabase, SqlSettings
from connectors.stripe import Customer, Stripe
from connectors.stripe.client import TEST_MODE_REQUESTS_PER_SECOND
from connectors.stripe.simulator import StripeSimulator
from flowkit import Context, Flow
from flowkit.engine import process, read_packets
from flowkit.runtime.runner import FlowRunner
from flowkit.runtime.store import open_store
from flowkit.spec import FlowSpec

PAGE = 100
CONCURRENCY = 8
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

    @flow.sink
    def upsert(customer: Customer, sql: SqlDatabase) -> None:
        sql.tables.upsert("customers", [{"id": customer.id, "email": customer.email or ""}],
                          key=["id"])
        with lock:
            writes[customer.id] += 1

    return flow


def _connectors(packets: int, scratch: Path, name: str) -> dict[type[Connector], Connector]:
    simulator = StripeSimulator(customers=packets, invoices=0, charges=0)
    url = f"sqlite:///{scratch / f'{name}.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT)")
    engine.dispose()
    return {Stripe: simulator.connect(), SqlDatabase: SqlDatabase(SqlSettings(url=SecretStr(url)))}


def _bare(flow: Flow, connectors: dict[type[Connector], Connector]) -> int:
    context = Context(flow=flow.name, run_id="bare")
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(
            lambda packet: process(flow, packet, Context(flow=flow.name, run_id="bare"),
                                   connectors), read_packets(flow, context, connectors)))
    return len(results)


def measure(packets: int) -> dict[str, Any]:
    """Run the flow through the runtime and through the bare engine; the figures."""
    with tempfile.TemporaryDirectory(prefix="flowbot-runtime-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        writes: Counter[str] = Counter()
        lock = threading.Lock()
        flow = _flow(writes, lock)
        runner = FlowRunner(flow, SPEC, _connectors(packets, scratch, "target"),
                            open_store(f"sqlite:///{scratch / 'runtime.sqlite3'}"),
                            version="benchmark", sink_idempotent=True)
        start = time.perf_counter()
        summary = runner.run(concurrency=CONCURRENCY)
        with_ledger = time.perf_counter() - start
        written_twice = sum(1 for count in writes.values() if count > 1)
        bare_flow = _flow(Counter(), threading.Lock())
        start = time.perf_counter()
        bare_packets = _bare(bare_flow, _connectors(packets, scratch, "bare"))
        bare = time.perf_counter() - start
    requests = -(-packets // PAGE) + 1  # pages, and the last page that says there is no more
    ceiling = packets / ideal_seconds(LeakyBucket(TEST_MODE_REQUESTS_PER_SECOND,
                                                  TEST_MODE_REQUESTS_PER_SECOND), requests)
    per_s = summary.counts["delivered"] / with_ledger
    return {"packets": summary.counts["delivered"], "per_s": round(per_s, 1),
            "ceiling_per_s": round(ceiling, 1), "ratio": round(per_s / ceiling, 3),
            "written_twice": written_twice,
            "ledger_us_per_packet": round((with_ledger - bare) / max(bare_packets, 1) * 1e6, 1),
            "bare_per_s": round(bare_packets / bare, 1), "seconds": round(with_ledger, 2)}


def main(argv: list[str] | None = None) -> None:
    """Print a table, or one JSON object with --json."""
    parser = argparse.ArgumentParser(description="Time the runtime against the limits' ceiling.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--packets", type=int, default=10_000, help="packets to move")
    arguments = parser.parse_args(argv)
    if arguments.packets <= PAGE * TEST_MODE_REQUESTS_PER_SECOND:
        parser.error(f"--packets must exceed {PAGE * TEST_MODE_REQUESTS_PER_SECOND:.0f}: fewer "
                     "fit in Stripe's initial burst, and no limit would bound the run")
    result = measure(arguments.packets)
    if arguments.json:
        print(json.dumps(result))
        return
    table = Table(title=f"{result['packets']} packets: Stripe customers → SQLite, one at a time",
                  caption="ceiling: Stripe's 25 reads/s at 100 a page, replayed ideally")
    for column in ("packets/s", "ceiling/s", "ratio", "bare engine/s", "ledger µs/packet",
                   "written twice"):
        table.add_column(column)
    table.add_row(str(result["per_s"]), str(result["ceiling_per_s"]), str(result["ratio"]),
                  str(result["bare_per_s"]), str(result["ledger_us_per_packet"]),
                  str(result["written_twice"]))
    Console().print(table)


if __name__ == "__main__":
    main()
