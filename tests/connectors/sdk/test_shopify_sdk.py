"""The Shopify simulator driven by ShopifyAPI (Shopify's Python SDK, on pyactiveresource), as an
integration written with it would drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import shopify
from pyactiveresource.connection import (
    BadRequest,
    ClientError,
    ResourceNotFound,
    ServerError,
    UnauthorizedAccess,
)

from connectors.shopify.settings import DEFAULT_API_VERSION
from connectors.shopify.simulator import SIM_ACCESS_TOKEN, ShopifySimulator
from tests.connectors.sdk.serving import inject, served, stats


@pytest.fixture
def sim() -> ShopifySimulator:
    return ShopifySimulator(seed=6, orders=37, customers=23, products=4, enforce_rate_limit=False)


@pytest.fixture
def base_url(sim: ShopifySimulator) -> Iterator[str]:
    with served(sim) as url, _session(url):
        yield url


class _session:  # noqa: N801 - reads as `with _session(url):`
    """ShopifyAPI keeps its site and token on the resource classes: set them, then clear them."""

    def __init__(self, base_url: str, token: str = SIM_ACCESS_TOKEN) -> None:
        self.base_url, self.token = base_url, token

    def __enter__(self) -> None:
        shopify.ShopifyResource.site = f"{self.base_url}/admin/api/{DEFAULT_API_VERSION}"
        shopify.ShopifyResource.version = DEFAULT_API_VERSION
        shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = self.token

    def __exit__(self, *_: object) -> None:
        shopify.ShopifyResource.clear_session()


def _all(resource: Any, **params: Any) -> list[Any]:
    """Every record, through the SDK's own Link-header paging."""
    return [item for page in shopify.PaginatedIterator(resource.find(**params)) for item in page]


# -- checks, each a function so that it can be run against a broken simulator too --------------


def check_customer_create_and_update(sim: ShopifySimulator) -> None:
    customer = shopify.Customer()
    customer.first_name, customer.email = "Ada", "ada.lovelace@example.com"
    assert customer.save(), f"create refused: {customer.errors.full_messages()}"
    assert customer.id in sim.customers
    assert sim.customers[customer.id]["email"] == "ada.lovelace@example.com"
    customer.last_name = "Lovelace"
    assert customer.save()
    assert sim.customers[customer.id]["last_name"] == "Lovelace"
    assert shopify.Customer.find(customer.id).last_name == "Lovelace"


# -- the suite ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("base_url")
def test_every_record_is_listed_through_the_sdks_link_paging(sim: ShopifySimulator) -> None:
    assert sorted(c.id for c in _all(shopify.Customer, limit=5)) == sorted(sim.customers)
    assert sorted(o.id for o in _all(shopify.Order, limit=8, status="any")) == sorted(sim.orders)


@pytest.mark.usefixtures("base_url")
def test_customers_are_created_and_updated_as_the_sdk_writes(sim: ShopifySimulator) -> None:
    check_customer_create_and_update(sim)


@pytest.mark.usefixtures("base_url")
def test_customer_validation_errors_reach_the_sdks_errors(sim: ShopifySimulator) -> None:
    taken = next(iter(sim.customers.values()))["email"]
    duplicate = shopify.Customer({"email": taken})
    assert not duplicate.save()
    assert "email has already been taken" in duplicate.errors.full_messages()
    malformed = shopify.Customer({"email": "not-an-email", "phone": "call me"})
    assert not malformed.save()
    assert sorted(malformed.errors.full_messages()) == ["email is invalid", "phone is invalid"]


@pytest.mark.usefixtures("base_url")
def test_orders_are_created_and_updated_with_their_totals(sim: ShopifySimulator) -> None:
    customer_id = next(iter(sim.customers))
    variant = next(iter(sim.products.values()))["variants"][0]
    order = shopify.Order({"customer": {"id": customer_id}, "line_items": [
        {"variant_id": variant["id"], "quantity": 2},
        {"title": "Gift wrap", "price": "4.50", "quantity": 1}]})
    assert order.save(), order.errors.full_messages()
    expected = float(variant["price"]) * 2 + 4.5
    assert float(order.total_price) == pytest.approx(expected)
    assert order.financial_status == "paid"
    assert sim.orders[order.id]["customer"]["id"] == customer_id
    order.note = "leave at the door"
    assert order.save()
    assert sim.orders[order.id]["note"] == "leave at the door"


def test_order_validation_errors_name_the_line_item(base_url: str) -> None:
    empty = shopify.Order({"line_items": []})
    assert not empty.save()
    assert "line_items can't be blank" in empty.errors.full_messages()
    body = {"customer": {"id": 1}, "line_items": [{"variant_id": 1}, {"quantity": 1}]}
    wrong = shopify.Order(body)
    assert not wrong.save()  # the SDK files fields it does not know under `base`
    assert sorted(wrong.errors.full_messages()) == [
        "can't be blank", "can't be blank", "customer not found", "not found"]
    answer = httpx.post(f"{base_url}/admin/api/{DEFAULT_API_VERSION}/orders.json",
                        json={"order": body}, timeout=5,
                        headers={"X-Shopify-Access-Token": SIM_ACCESS_TOKEN})
    assert answer.status_code == 422
    assert answer.json() == {"errors": {"line_items[0].variant_id": ["not found"],
                                        "line_items[1].title": ["can't be blank"],
                                        "line_items[1].price": ["can't be blank"],
                                        "customer": ["not found"]}}


def test_other_errors_are_the_sdks_typed_exceptions(base_url: str) -> None:
    with pytest.raises(ResourceNotFound):
        shopify.Customer.find(1)
    with pytest.raises(BadRequest):  # a body without its root key
        shopify.Customer.connection.post(f"/admin/api/{DEFAULT_API_VERSION}/customers.json",
                                         dict(shopify.Customer.headers), b'{"email": "a@b.co"}')
    with _session(base_url, token="shpat_wrong"), pytest.raises(UnauthorizedAccess):
        shopify.Shop.current()


def test_unsimulated_calls_say_so_with_501(base_url: str, sim: ShopifySimulator) -> None:
    customer = shopify.Customer.find(next(iter(sim.customers)))
    with pytest.raises(ServerError) as refused:
        customer.destroy()
    assert refused.value.code == 501  # the SDK keeps a 5xx's status, not its body
    with pytest.raises(ServerError) as webhooks:
        shopify.Webhook.find()
    assert webhooks.value.code == 501
    answer = httpx.get(f"{base_url}/admin/api/{DEFAULT_API_VERSION}/webhooks.json", timeout=5,
                       headers={"X-Shopify-Access-Token": SIM_ACCESS_TOKEN})
    assert answer.json() == {"errors": "not simulated: the Shopify Admin REST API simulator does "
                             "not reproduce GET /admin/api/2024-10/webhooks.json "
                             "(docs/connectors.md lists what each simulator covers)"}


def test_a_429_reaches_the_caller_with_shopifys_retry_after(base_url: str) -> None:
    # ShopifyAPI has no retry of its own: the caller sees the 429 and Shopify's Retry-After.
    inject(base_url, rate_limit_bursts=1, retry_after="2")
    with pytest.raises(ClientError) as limited:
        shopify.Shop.current()
    assert limited.value.response.code == 429
    assert limited.value.response.headers.get("retry-after") == "2.0"
    assert shopify.Shop.current().currency == "USD"
    assert stats(base_url)["rate_limited"] == 1


# -- the checks can fail -----------------------------------------------------------------------


class _ReadOnly(ShopifySimulator):
    """The old difference, on purpose: no write endpoints (every write is not simulated)."""

    def _create(self, resource: str, body: Any) -> dict[str, Any]:
        raise LookupError(resource)


def test_the_create_check_fails_against_a_simulator_without_writes() -> None:
    broken = _ReadOnly(seed=6, orders=1, customers=1, products=1, enforce_rate_limit=False)
    with served(broken) as url, _session(url), pytest.raises(ResourceNotFound):
        check_customer_create_and_update(broken)
