"""FlowTest's record of packets that stopped: what the gate tells a failed test's author."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.hubspot import HubSpot
from connectors.hubspot.simulator import HUBSPOT_TEST_TOKEN
from flowkit import BadRecord, Flow, Skip
from flowkit.testing import MESSAGE_LIMIT, FlowTest, StoppedPacket, stopped_packets


def _flow(records: list[dict[str, Any]]) -> Flow:
    flow = Flow("checked-numbers")

    @flow.source(key="id")
    def numbers(crm: HubSpot) -> Iterator[dict[str, Any]]:
        yield from records

    @flow.step
    def check(record: dict[str, Any]) -> int:
        if record["n"] == 0:
            raise Skip("zero")
        if record["n"] < 0:
            raise BadRecord(f"negative: {record['n']}")
        if record["n"] == 7:
            raise ValueError(f"the vendor echoed {HUBSPOT_TEST_TOKEN} back, " + "x" * 500)
        return {"n": record["n"]}["m"]

    @flow.sink
    def keep(value: int, crm: HubSpot) -> int:
        return value

    return flow


def test_packets_that_ended_bad_or_failed_are_kept_scrubbed_and_cut() -> None:
    flow = _flow([{"id": 1, "n": 0}, {"id": 2, "n": -1}, {"id": 3, "n": 7}, {"id": 4, "n": 2}])
    before = len(stopped_packets())

    with FlowTest(flow) as story:
        report = story.run()

    assert report.skipped_keys == ["1"]
    stopped = stopped_packets()[before:]
    assert stopped[0] == StoppedPacket("checked-numbers", "2", "bad", "check", "BadRecord",
                                       "negative: -1")
    assert stopped[2] == StoppedPacket("checked-numbers", "4", "failed", "check", "KeyError",
                                       "'m'")
    echoed = stopped[1]
    assert (echoed.key, echoed.error_type) == ("3", "ValueError")
    assert HUBSPOT_TEST_TOKEN not in echoed.message
    assert echoed.message.startswith("the vendor echoed *** back, xxx")
    assert echoed.message.endswith("x… [truncated 228 of 528 characters]")
    assert len(echoed.message.split("…")[0]) == MESSAGE_LIMIT
    assert len(stopped) == 3


def test_a_replayed_packet_that_fails_is_kept_too() -> None:
    flow = _flow([])
    before = len(stopped_packets())

    with FlowTest(flow) as story:
        result = story.replay({"id": 9, "n": -3})

    assert result.outcome == "bad"
    assert [(p.key, p.unit, p.message) for p in stopped_packets()[before:]] == [
        ("9", "check", "negative: -3")]
