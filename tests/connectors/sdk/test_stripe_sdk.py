"""The Stripe simulator driven by stripe-python's `StripeClient`, as an integration written with
Stripe's own SDK would drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from fastapi import Request

from connectors.stripe.simulator import SIMULATOR_SECRET_KEY, StripeSimulator
from tests.connectors.sdk.serving import inject, served, stats


@pytest.fixture
def sim() -> StripeSimulator:
    return StripeSimulator(seed=5, customers=23, invoices=17, charges=9, enforce_rate_limit=False)


@pytest.fixture
def base_url(sim: StripeSimulator) -> Iterator[str]:
    with served(sim) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> stripe.StripeClient:
    return _client(base_url)


def _client(base_url: str, *, retries: int = 2) -> stripe.StripeClient:
    return stripe.StripeClient(SIMULATOR_SECRET_KEY, base_addresses={"api": base_url},
                               max_network_retries=retries)


def _error(raised: stripe.StripeError) -> dict[str, Any]:
    """Stripe's error object, as the SDK kept it (its `code` is set for 4xx answers only)."""
    assert isinstance(raised.json_body, dict)
    error: dict[str, Any] = raised.json_body["error"]
    return error


# -- checks, each a function so that it can be run against a broken simulator too --------------


def check_expand_embeds_the_customer(client: stripe.StripeClient, sim: StripeSimulator) -> None:
    invoice = sim.listing("invoice")[0]
    fetched = client.v1.invoices.retrieve(invoice["id"], params={"expand": ["customer"]})
    assert isinstance(fetched.customer, stripe.Customer), "expand[] did not embed the customer"
    assert fetched.customer.id == invoice["customer"]
    charges = client.v1.charges.list(params={"limit": 3, "expand": ["data.customer",
                                                                    "data.invoice"]})
    for charge in charges.data:
        assert isinstance(charge.customer, stripe.Customer)
        assert isinstance(charge["invoice"], stripe.Invoice)


# -- the suite ---------------------------------------------------------------------------------


def test_every_object_is_listed_through_the_sdks_auto_paging(
        client: stripe.StripeClient, sim: StripeSimulator) -> None:
    customers = [c.id for c in client.v1.customers.list(params={"limit": 4}).auto_paging_iter()]
    assert customers == [c["id"] for c in sim.listing("customer")]
    invoices = [i.id for i in client.v1.invoices.list(params={"limit": 5}).auto_paging_iter()]
    assert invoices == [i["id"] for i in sim.listing("invoice")]
    charges = [c.id for c in client.v1.charges.list(params={"limit": 2}).auto_paging_iter()]
    assert sorted(charges) == sorted(c["id"] for c in sim.listing("charge"))
    assert len(charges) == len(set(charges))


def test_expand_embeds_related_objects(client: stripe.StripeClient,
                                       sim: StripeSimulator) -> None:
    check_expand_embeds_the_customer(client, sim)
    invoice = sim.listing("invoice")[0]
    lines = client.v1.invoices.line_items.list(invoice["id"], params={"expand": ["data.invoice"]})
    assert all(line["invoice"]["id"] == invoice["id"] for line in lines.data)


def test_expand_is_accepted_on_writes_and_refused_for_a_property_that_cannot_expand(
        client: stripe.StripeClient) -> None:
    made = client.v1.customers.create(params={"email": "ada@example.com", "expand": []})
    assert made.email == "ada@example.com"
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(colour\)"):
        client.v1.customers.retrieve(made.id, params={"expand": ["colour"]})
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(email\)"):
        client.v1.customers.retrieve(made.id, params={"expand": ["email"]})
    with pytest.raises(stripe.APIError) as unsimulated:
        client.v1.customers.retrieve(made.id, params={"expand": ["default_source"]})
    assert unsimulated.value.http_status == 501
    assert _error(unsimulated.value)["code"] == "not_simulated"


def test_a_keyed_create_is_written_once_and_replayed(
        client: stripe.StripeClient, base_url: str) -> None:
    options: Any = {"idempotency_key": "order-1001"}
    first = client.v1.customers.create(params={"email": "grace@example.com"}, options=options)
    again = client.v1.customers.create(params={"email": "grace@example.com"}, options=options)
    assert again.id == first.id
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert stats(base_url)["writes"] == {"order-1001": 1}
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "other@example.com"}, options=options)


def test_an_update_merges_metadata_as_stripe_does(client: stripe.StripeClient) -> None:
    made = client.v1.customers.create(params={"metadata": {"plan": "pro", "seat": "3"}})
    updated = client.v1.customers.update(made.id, params={"metadata": {"seat": ""},
                                                          "name": "Ada"})
    assert updated.to_dict()["metadata"] == {"plan": "pro"}
    assert updated.name == "Ada"


def test_errors_are_the_sdks_typed_exceptions(client: stripe.StripeClient,
                                              base_url: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_nope")
    assert missing.value.code == "resource_missing"
    assert missing.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as bad_email:
        client.v1.customers.create(params={"email": "not an email"})
    assert bad_email.value.code == "email_invalid"
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_test_wrong", base_addresses={"api": base_url}).v1.customers.list()


def test_search_and_other_unsimulated_endpoints_say_so_with_501(
        client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.APIError) as refused:
        client.v1.customers.search(params={"query": "email:'ada@example.com'"})
    assert refused.value.http_status == 501
    assert _error(refused.value)["code"] == "not_simulated"
    assert "GET /v1/customers/search" in str(refused.value.user_message)
    assert refused.value.headers is not None
    assert refused.value.headers.get("Stripe-Should-Retry") == "false"  # so: asked once
    with pytest.raises(stripe.APIError) as subscriptions:
        client.v1.subscriptions.list()
    assert subscriptions.value.http_status == 501


def test_the_sdks_own_retry_rides_out_a_503_and_a_key_in_use(
        client: stripe.StripeClient, sim: StripeSimulator, base_url: str) -> None:
    inject(base_url, server_errors=1, server_error_status=503)
    assert client.v1.customers.list(params={"limit": 1}).data
    sim.keys_in_use = 1  # 409 idempotency_key_in_use with Stripe-Should-Retry: true
    made = client.v1.customers.create(params={"email": "kay@example.com"},
                                      options={"idempotency_key": "k-1"})
    assert made.email == "kay@example.com"
    counted = stats(base_url)
    assert counted["server_errors"] == 1
    assert counted["writes"] == {"k-1": 1}


def test_a_429_reaches_the_caller_as_the_sdks_rate_limit_error(base_url: str) -> None:
    inject(base_url, rate_limit_bursts=1)
    with pytest.raises(stripe.RateLimitError) as limited:
        _client(base_url).v1.customers.list()
    assert _error(limited.value)["type"] == "rate_limit_error"


# -- the checks can fail -----------------------------------------------------------------------


class _IgnoresExpand(StripeSimulator):
    """The old difference, on purpose (worse: silently): `expand[]` left unexpanded."""

    def _expanded(self, request: Request, kind: str, view: dict[str, Any],
                  paths: list[str] | None = None) -> dict[str, Any]:
        return view


def test_the_expand_check_fails_against_a_simulator_that_ignores_expand() -> None:
    broken = _IgnoresExpand(seed=5, customers=3, invoices=3, charges=3, enforce_rate_limit=False)
    with served(broken) as url, pytest.raises(AssertionError, match="did not embed"):
        check_expand_embeds_the_customer(_client(url), broken)
