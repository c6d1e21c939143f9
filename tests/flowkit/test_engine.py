"""The packet engine: keys and cursors, and where and why a packet stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.core.connector import Connector
from connectors.hubspot import HubSpot
from connectors.hubspot.simulator import HubSpotSimulator
from flowkit import BadRecord, Context, Flow, Skip
from flowkit.engine import Outcome, Packet, process, read_packets


def _flow(records: list[dict[str, Any]]) -> Flow:
    flow = Flow("numbers")

    @flow.source(key="id", cursor="at")
    def numbers(crm: HubSpot) -> Iterator[dict[str, Any]]:
        yield from records

    @flow.step
    def check(record: dict[str, Any]) -> int:
        if record["n"] < 0:
            raise BadRecord("negative")
        if record["n"] == 0:
            raise Skip("zero")
        return 100 // (int(record["n"]) - 1)

    @flow.sink
    def keep(value: int, crm: HubSpot) -> int:
        return value

    return flow


def _run(records: list[dict[str, Any]]) -> list[Any]:
    flow = _flow(records)
    connectors: dict[type[Connector], Connector] = {HubSpot: HubSpotSimulator().connect()}
    context = Context(flow=flow.name, run_id="t")
    return [process(flow, packet, context, connectors)
            for packet in read_packets(flow, context, connectors)]


def test_each_packet_ends_as_delivered_skipped_bad_or_failed_with_its_unit_and_input() -> None:
    results = _run([{"id": 1, "at": 5, "n": 3}, {"id": 2, "at": 6, "n": 0},
                    {"id": 3, "at": 7, "n": -1}, {"id": 4, "at": 8, "n": 1}])

    assert [(r.key, r.outcome) for r in results] == [
        ("1", Outcome.DELIVERED), ("2", Outcome.SKIPPED), ("3", Outcome.BAD),
        ("4", Outcome.FAILED)]
    assert results[0].written == 50
    assert (results[1].unit, results[1].message) == ("check", "zero")
    failed = results[3]
    assert (failed.unit, failed.error_type, failed.unit_input) == (
        "check", "ZeroDivisionError", {"id": 4, "at": 8, "n": 1})
    assert "ZeroDivisionError" in (failed.traceback or "")


def test_a_packet_is_replayed_from_the_unit_that_failed() -> None:
    flow = _flow([])
    connectors: dict[type[Connector], Connector] = {HubSpot: HubSpotSimulator().connect()}

    result = process(flow, Packet("9", None, None), Context(flow=flow.name, run_id="r"),
                     connectors, start_at="keep", value=7)

    assert (result.outcome, result.written) == (Outcome.DELIVERED, 7)
