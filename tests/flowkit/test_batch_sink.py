"""Batch sinks in the flow contract and the engine: declared with a size and a list parameter,
given chunks of that size, split when a chunk raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.core.connector import Connector
from connectors.hubspot import HubSpot
from connectors.hubspot.simulator import HubSpotSimulator
from flowkit import Context, Flow
from flowkit.engine import Outcome, Packet, Ready, deliver_batch, process
from flowkit.errors import FlowDefinitionError


def _flow(sent: list[list[int]]) -> Flow:
    flow = Flow("numbers")

    @flow.source(key="n")
    def numbers(crm: HubSpot) -> Iterator[dict[str, Any]]:
        yield from ()

    @flow.sink(batch=3)
    def keep(values: list[int], crm: HubSpot) -> list[int]:
        sent.append(list(values))
        if 13 in values:
            raise ValueError("13 is refused")
        return [value * 10 for value in values]

    return flow


def test_a_batch_sink_gets_chunks_and_a_chunk_that_raises_is_sent_again_one_by_one() -> None:
    sent: list[list[int]] = []
    flow = _flow(sent)
    connectors: dict[type[Connector], Connector] = {HubSpot: HubSpotSimulator().connect()}
    ready = [Ready(Packet(str(n), n, None), n) for n in (1, 2, 3, 12, 13, 14, 15)]

    results = deliver_batch(flow, ready, Context(flow=flow.name, run_id="r"), connectors)

    assert sent == [[1, 2, 3], [12, 13, 14], [12], [13], [14], [15]]
    assert [(r.key, r.outcome, r.written) for r in results] == [
        ("1", Outcome.DELIVERED, 10), ("2", Outcome.DELIVERED, 20), ("3", Outcome.DELIVERED, 30),
        ("12", Outcome.DELIVERED, 120), ("13", Outcome.FAILED, None),
        ("14", Outcome.DELIVERED, 140), ("15", Outcome.DELIVERED, 150)]
    assert (results[4].unit, results[4].error_type, results[4].unit_input) == (
        "keep", "ValueError", 13)


def test_a_packet_of_a_batch_sink_is_replayed_alone() -> None:
    sent: list[list[int]] = []
    flow = _flow(sent)
    connectors: dict[type[Connector], Connector] = {HubSpot: HubSpotSimulator().connect()}

    result = process(flow, Packet("7", None, None), Context(flow=flow.name, run_id="r"),
                     connectors, start_at="keep", value="7")

    assert (result.outcome, result.written, sent) == (Outcome.DELIVERED, 70, [[7]])


def test_a_batch_sink_needs_a_size_of_one_or_more() -> None:
    with pytest.raises(FlowDefinitionError, match="N ≥ 1 packets per call"):
        Flow("numbers").sink(batch=0)


def test_a_batch_sink_takes_a_list() -> None:
    def keep(value: int, crm: HubSpot) -> None:
        """A sink of one packet, declared as a batch sink by mistake."""

    with pytest.raises(FlowDefinitionError, match=r"annotate its packet parameter `list\["):
        Flow("numbers").sink(batch=5)(keep)
