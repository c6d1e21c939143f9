"""A flow's units receive connectors as their operations only: settings, token and HTTP client are
out of reach through every attribute name the gate lets flow code use."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.core.client import HttpClient
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.hubspot import Deal, DealInput, HubSpot
from connectors.hubspot.simulator import HubSpotSimulator
from connectors.shopify import Order, Shopify
from connectors.shopify.simulator import ShopifySimulator
from flowkit import Context, Flow
from flowkit.testing import FlowTest
from flowkit.validator.stage_imports import INTERPRETER_ATTRIBUTES

EXAMPLE = Path(__file__).resolve().parents[2] / "flows" / "shopify_orders_to_hubspot_deals"
ORDER = json.loads((EXAMPLE / "fixtures" / "paid_order.json").read_text())
SECRET_HOLDERS = (Connector, ConnectorSettings, Resource, HttpClient, httpx.Client,
                  httpx.BaseTransport, SecretStr)

handed: list[tuple[str, Any]] = []
"""What the units were given (and what an operation returned), in order."""

flow = Flow("facade-probe")


@flow.source(key="id", cursor="updated_at")
def orders(ctx: Context, shop: Shopify) -> Iterator[Order]:
    records = shop.orders.list(financial_status="paid")
    handed.extend([("shop", shop), ("records", records)])
    yield from records


@flow.sink
def deal(order: Order, crm: HubSpot) -> Deal:
    handed.append(("crm", crm))
    return crm.deals.upsert(DealInput(dealname=f"Order {order.name}", dealstage="closedwon",
                                      extra_properties={"shopify_order_id": order.id}),
                            id_property="shopify_order_id")


@pytest.fixture
def story() -> Iterator[FlowTest]:
    handed.clear()
    with FlowTest(flow) as running:
        running.simulator(ShopifySimulator).add_order(**ORDER)
        running.simulator(ShopifySimulator).add_order(**{**ORDER, "id": 450789480,
                                                         "name": "#1002"})
        yield running


def _reachable(start: object, limit: int = 20000) -> list[tuple[str, object]]:
    """Every object reached from `start` through attribute names flow code may write (no `_`
    prefix, no frame or code internals), breadth first, each object once."""
    found: list[tuple[str, object]] = []
    seen: set[int] = set()
    queue: deque[tuple[str, object, int]] = deque([("view", start, 0)])
    while queue and len(found) < limit:
        path, value, depth = queue.popleft()
        if id(value) in seen:
            continue
        seen.add(id(value))
        found.append((path, value))
        if depth == 5:
            continue
        for name in dir(value):
            if name.startswith("_") or name in INTERPRETER_ATTRIBUTES:
                continue
            try:
                queue.append((f"{path}.{name}", getattr(value, name), depth + 1))
            except Exception:  # a property that raises (of any kind) leads nowhere
                continue
    return found


def test_the_flow_runs_through_the_operations_it_is_handed(story: FlowTest) -> None:
    report = story.run()

    assert sorted(report.delivered_keys) == ["450789469", "450789480"]
    assert story.simulator(HubSpotSimulator).count("deals") == 2
    assert {type(value).__name__ for _, value in handed} == {"Shopify", "HubSpot", "Records"}


def test_no_attribute_a_flow_may_name_leads_to_settings_token_or_client(
        story: FlowTest) -> None:
    token = story.connector(HubSpot).settings.access_token.get_secret_value()  # type: ignore[attr-defined]
    story.run()

    for label, view in handed:
        for path, value in _reachable(view):
            assert not isinstance(value, SECRET_HOLDERS), f"{label}: {path} is {value!r}"
            assert token not in repr(value), f"{label}: {path} shows the token"


def test_settings_client_and_private_attributes_are_not_there(story: FlowTest) -> None:
    story.run()
    crm = next(value for label, value in handed if label == "crm")

    for reach in ("settings", "client", "close", "_client", "_transport"):
        with pytest.raises(AttributeError):
            getattr(crm, reach)
    with pytest.raises(AttributeError):
        crm.deals._client  # noqa: B018
    with pytest.raises(AttributeError):
        crm.deals.create = crm.deals.upsert


def test_every_unit_and_packet_gets_the_same_view(story: FlowTest) -> None:
    story.run()

    views = [value for label, value in handed if label == "crm"]
    assert len(views) == 2
    assert views[0] is views[1]
    assert views[0] is not story.connector(HubSpot)
