"""The flow contract refuses what the runtime could not drive, and says why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.hubspot import DealInput, HubSpot
from connectors.shopify import Order, Shopify
from flowkit import Context, Flow
from flowkit.errors import FlowDefinitionError


def _source(flow: Flow) -> Flow:
    @flow.source(key="id")
    def orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
        yield from shop.orders.list(updated_at_min=ctx.since)

    return flow


def test_units_are_read_from_their_annotations() -> None:
    flow = Flow("orders-to-deals")
    _source(flow)

    @flow.step
    def to_deal(order: Order) -> DealInput:
        return DealInput(dealname=order.name)

    @flow.sink
    def write(deal: DealInput, crm: HubSpot) -> None:
        crm.deals.upsert(deal, id_property="shopify_order_id")

    source, step, sink = flow.units
    assert (source.connectors, source.context_parameter, source.packet_parameter) == (
        {"shop": Shopify}, "ctx", None)
    assert (step.packet_parameter, step.packet_type) == ("order", Order)
    assert sink.connectors == {"crm": HubSpot}
    assert flow.connector_classes == (Shopify, HubSpot)


@pytest.mark.parametrize(("build", "says"), [
    (lambda f: [_source(f) for _ in range(2)], "two sources"),
    (lambda f: f.source(lambda: iter(())), "key="),
    (lambda f: f.step(lambda order: order), "type annotation"),
    (lambda f: (f.sink(_sink), f.step(_step)), "after the sink"),
    (lambda f: (f.sink(_sink), f.sink(_sink)), "two sinks"),
    (lambda f: f.step(_two_packets), "exactly one packet parameter"),
    (lambda f: f.step(_star), r"\*args"),
])
def test_a_broken_contract_is_refused_with_the_reason(build: Any, says: str) -> None:
    with pytest.raises(FlowDefinitionError, match=says):
        build(Flow("broken"))


def _sink(deal: DealInput, crm: HubSpot) -> None: ...
def _step(order: Order) -> DealInput: return DealInput()
def _two_packets(order: Order, other: Order) -> DealInput: return DealInput()
def _star(*orders: Order) -> DealInput: return DealInput()


@pytest.mark.parametrize("name", ["Orders", "orders_to_deals", "-x", ""])
def test_a_flow_name_is_lower_case_words_joined_by_dashes(name: str) -> None:
    with pytest.raises(FlowDefinitionError, match="lower-case words"):
        Flow(name)


def test_a_flow_without_a_sink_says_so() -> None:
    flow = Flow("no-sink")
    _source(flow)

    with pytest.raises(FlowDefinitionError, match=r"no @flow\.sink"):
        _ = flow.units
