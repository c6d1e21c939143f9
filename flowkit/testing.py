"""Testing a flow as a story: seed the simulators, run the flow, look at what arrived.

```python
def test_a_paid_order_becomes_a_deal() -> None:
    with FlowTest(flow) as story:
        story.simulator(ShopifySimulator).add_order(**story.fixture("paid_order.json"))
        report = story.run()
        assert report.delivered_keys == ["450789469"]
        assert story.simulator(HubSpotSimulator).count("deals") == 1
```

Every connector the flow asks for is wired in process to its simulator, on a manual clock so that
the vendors' rate limits are enforced without making the test wait. Simulators start with no
records unless a test passes its own (`FlowTest(flow, ShopifySimulator(orders=5))`). A flow that
uses the SQL connector gets a throwaway SQLite database instead (`SqlSimulator`): the test
creates the tables it needs, seeds them and reads them back.

Every run also counts, per flow, how often each unit did its work: the source yielded a packet,
a step or the sink returned. The gate reads these counts (`exercised`) after the flow's tests,
to prove that the tests ran every unit of the flow against the simulators. It also reads the
packets that ended bad or failed (`stopped_packets`), to tell a failing test's author which
packet stopped where, and why.
"""

from __future__ import annotations

import inspect
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol, Self, TypeVar

from pydantic import SecretStr

from connectors.core.clock import Clock, ManualClock
from connectors.core.connector import Connector
from connectors.core.redaction import Scrubber, truncate
from connectors.registry import test_double_class
from flowkit import second_run
from flowkit.context import Context, CursorValue, later
from flowkit.engine import Outcome, Packet, PacketResult, coerce, process, read_packets
from flowkit.errors import FlowDefinitionError
from flowkit.flow import Flow

S = TypeVar("S", bound="TestDouble")


class TestDouble(Protocol):
    """What stands behind a connector in a flow test: the vendor's simulator, or for the SQL
    connector a throwaway SQLite database (`connectors.sql.simulator.SqlSimulator`)."""

    connector_class: ClassVar[type[Connector]]

    def connect(self, base_url: str | None = None, *, clock: Clock | None = None) -> Any:
        """A connector talking to this double."""

    def close(self) -> None:
        """Release what the double holds (a database file; nothing for an in-process API)."""

_exercised: dict[str, dict[str, int]] = {}
"""Flow name -> unit name -> how many times it did its work, over every FlowTest of this
process."""


def exercised() -> dict[str, dict[str, int]]:
    """How many times each unit of each flow under test did its work (a copy)."""
    return {flow: dict(units) for flow, units in _exercised.items()}


MESSAGE_LIMIT = 300
"""Characters of a stopped packet's error message the gate reports."""


@dataclass(frozen=True)
class StoppedPacket:
    """A packet that ended bad or failed in a FlowTest run or replay, as the gate reports it:
    the message scrubbed of the connectors' secrets and cut to `MESSAGE_LIMIT`."""

    flow: str
    key: str
    outcome: str
    unit: str | None
    error_type: str | None
    message: str


_stopped: list[StoppedPacket] = []
"""Every packet that ended bad or failed in a FlowTest of this process, in order."""


def stopped_packets() -> list[StoppedPacket]:
    """The packets that ended bad or failed in the FlowTests of this process, in order (a copy)."""
    return list(_stopped)


def _scrubber(connectors: Mapping[type[Connector], Connector]) -> Scrubber:
    """What replaces the connectors' secret settings (tokens, passwords) in a message."""
    return Scrubber(value.get_secret_value() for connector in connectors.values()
                    for value in vars(connector.settings).values()
                    if isinstance(value, SecretStr))


def _note(flow: Flow, result: PacketResult,
          connectors: Mapping[type[Connector], Connector]) -> None:
    """Count the units `result`'s packet went through; remember it if it ended bad or failed."""
    _count(flow, result)
    if result.outcome in (Outcome.BAD, Outcome.FAILED):
        message = truncate(_scrubber(connectors)(result.message or ""), MESSAGE_LIMIT)
        _stopped.append(StoppedPacket(flow.name, result.key, result.outcome.value, result.unit,
                                      result.error_type, message))


def _count(flow: Flow, result: PacketResult) -> None:
    """Count the steps and the sink that returned while `result`'s packet went through."""
    names = [unit.name for unit in (*flow.steps, flow.sink_unit)]
    done = names if result.outcome is Outcome.DELIVERED else \
        names[:names.index(result.unit)] if result.unit in names else []
    for name in done:
        _exercised[flow.name][name] += 1


_EMPTY: dict[str, dict[str, int]] = {
    "shopify": {"orders": 0, "customers": 0, "products": 0},
    "hubspot": {"contacts": 0, "companies": 0, "deals": 0},
    "stripe": {"customers": 0, "invoices": 0, "charges": 0},
    "salesforce": {"records": 0},
    "slack": {},
}
"""Constructor arguments that give each simulator no records of its own."""


@dataclass
class RunReport:
    """What one run of the flow did, packet by packet."""

    results: list[PacketResult] = field(default_factory=list)
    cursor: CursorValue | None = None
    """The cursor the next run would resume after."""

    def keys(self, outcome: Outcome) -> list[str]:
        """The keys of the packets that ended with `outcome`, in order."""
        return [result.key for result in self.results if result.outcome is outcome]

    @property
    def delivered_keys(self) -> list[str]:
        """Packets written to the target."""
        return self.keys(Outcome.DELIVERED)

    @property
    def skipped_keys(self) -> list[str]:
        """Packets the flow chose not to move (`Skip`)."""
        return self.keys(Outcome.SKIPPED)

    @property
    def bad_keys(self) -> list[str]:
        """Packets the flow found bad (`BadRecord`)."""
        return self.keys(Outcome.BAD)

    @property
    def failed_keys(self) -> list[str]:
        """Packets that raised an unexpected error."""
        return self.keys(Outcome.FAILED)

    def result(self, key: str) -> PacketResult:
        """The result of the packet with `key`."""
        for result in self.results:
            if result.key == key:
                return result
        raise KeyError(f"no packet {key!r} in this run; the keys were "
                       f"{', '.join(result.key for result in self.results) or '(none)'}")


class FlowTest:
    """The simulators a flow's connectors talk to, and a way to run the flow against them."""

    def __init__(self, flow: Flow, *simulators: TestDouble, seed: int = 0,
                 options: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """`simulators` replace the default ones; `options` are constructor arguments of the
        default ones by connector name (`{"slack": {"channels": 1}}`), on the test's clock."""
        self.flow = flow
        _exercised.setdefault(flow.name, {unit.name: 0 for unit in flow.units})
        self.clock = ManualClock()
        given = {type(simulator).connector_class: simulator for simulator in simulators}
        self._simulators: dict[type[Connector], TestDouble] = {}
        for cls in flow.connector_classes:
            if cls in given:
                self._simulators[cls] = given.pop(cls)
                continue
            try:
                simulator_type = test_double_class(cls.name)
            except LookupError as error:
                raise FlowDefinitionError(f"{cls.name} has no simulator ({error}); give the flow "
                                          "a connector with FlowTest.use(...)") from None
            arguments: dict[str, Any] = {**_EMPTY.get(cls.name, {}),
                                         **(options or {}).get(cls.name, {})}
            self._simulators[cls] = simulator_type(seed=seed, clock=self.clock, **arguments)
        if given:
            names = ", ".join(cls.name for cls in given)
            raise FlowDefinitionError(f"simulators for {names} were given, but {flow.name} uses no "
                                      "such connector")
        self._connectors: dict[type[Connector], Connector] = {
            cls: simulator.connect(clock=self.clock) for cls, simulator in self._simulators.items()}
        self._folder = Path(inspect.getfile(flow.source_unit.function)).parent
        self._ran = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None and self._ran and second_run.enabled():
            second_run.run_again(self.flow, self._connectors, self._simulators)
        for connector in self._connectors.values():
            connector.close()
        for double in self._simulators.values():
            double.close()

    def use(self, connector: Connector) -> None:
        """Give the flow this connector instead of a simulated one (e.g. SQL on a test database)."""
        self._connectors[type(connector)] = connector

    def simulator(self, kind: type[S]) -> S:
        """The simulator of that class, to seed and to inspect."""
        for simulator in self._simulators.values():
            if isinstance(simulator, kind):
                return simulator
        raise KeyError(f"{self.flow.name} uses no connector simulated by {kind.__name__}")

    def connector(self, kind: type[Connector]) -> Connector:
        """The connector the flow gets for `kind`."""
        return self._connectors[kind]

    def fixture(self, name: str) -> Any:
        """The JSON fixture `fixtures/<name>` of the flow under test."""
        path = self._folder / "fixtures" / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"no fixture {path}") from None

    def run(self, *, cursor: CursorValue | None = None) -> RunReport:
        """Run the flow once over everything the source yields; each packet once."""
        report = RunReport(cursor=cursor)
        self._ran = True
        for packet in self._packets(cursor):
            context = Context(flow=self.flow.name, run_id=f"test-{uuid.uuid4().hex[:8]}",
                              cursor=cursor)
            _exercised[self.flow.name][self.flow.source_unit.name] += 1
            result = process(self.flow, packet, context, self._connectors)
            _note(self.flow, result, self._connectors)
            report.results.append(result)
            report.cursor = later(report.cursor, packet.cursor)
        return report

    def replay(self, packet: dict[str, Any], *, key: str | None = None) -> PacketResult:
        """Take one stored packet (a failure fixture) through the steps and the sink."""
        first = self.flow.steps[0] if self.flow.steps else self.flow.sink_unit
        record = coerce(first.packet_type, packet)
        if key is None:
            key = str(packet.get(self.flow.source_unit.key, "replay"))
        packet_key = key
        context = Context(flow=self.flow.name, run_id=f"replay-{uuid.uuid4().hex[:8]}")
        self._ran = True
        result = process(self.flow, Packet(packet_key, record, None), context, self._connectors)
        _note(self.flow, result, self._connectors)
        return result

    def _packets(self, cursor: CursorValue | None) -> Iterator[Any]:
        context = Context(flow=self.flow.name, run_id="test-source", cursor=cursor)
        return read_packets(self.flow, context, self._connectors)

