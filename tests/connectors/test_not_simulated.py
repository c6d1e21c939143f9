"""Every simulator answers a call it does not reproduce with HTTP 501 in its vendor's error shape,
naming itself, the method and the path — never a realistic 404/400, nor the web framework's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.core.transport import InProcessTransport
from connectors.registry import SIMULATORS, simulator_class


def _slack(body: Any) -> str:
    assert body["ok"] is False
    assert body["error"] == "not_simulated"
    return str(body["detail"])


def _stripe(body: Any) -> str:
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == "not_simulated"
    return str(body["error"]["message"])


def _hubspot(body: Any) -> str:
    assert body["status"] == "error"
    assert body["category"] == "NOT_SIMULATED"
    return str(body["message"])


def _salesforce(body: Any) -> str:
    [error] = body
    assert error["errorCode"] == "NOT_SIMULATED"
    return str(error["message"])


def _shopify(body: Any) -> str:
    return str(body["errors"])


CASES: dict[str, tuple[str, str, Callable[[Any], str]]] = {
    "slack": ("POST", "/api/reactions.add", _slack),
    "stripe": ("GET", "/v1/subscriptions/sub_1", _stripe),
    "hubspot": ("DELETE", "/crm/v3/objects/contacts/1", _hubspot),
    "salesforce": ("GET", "/services/apexrest/orders", _salesforce),
    "shopify": ("DELETE", "/admin/api/2024-10/customers/1.json", _shopify),
}


def test_every_simulator_has_a_case() -> None:
    assert set(CASES) == set(SIMULATORS)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("unknown", [False, True])
def test_an_unsimulated_call_is_a_501_in_the_vendors_shape(name: str, unknown: bool) -> None:
    sim = simulator_class(name)(seed=1, enforce_rate_limit=False)
    method, path, message_of = CASES[name]
    if unknown:  # a path no vendor has: not the web framework's 404 page either
        # (outside /admin a shop's domain serves its storefront: that HTML 404 is Shopify's own)
        path = "/admin/no/such/place" if name == "shopify" else "/no/such/place"
    with httpx.Client(transport=InProcessTransport(sim.app),
                      base_url="http://simulator.invalid") as client:
        answer = client.request(method, path)
    assert answer.status_code == 501
    message = message_of(answer.json())
    assert message.startswith(f"not simulated: the {sim.connector_class.title} simulator")
    assert f"{method} {path}" in message
