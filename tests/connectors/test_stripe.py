"""The Stripe connector against its simulator: mapping, requests, idempotency, limits, failures."""

from __future__ import annotations

import base64
import dataclasses
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import httpx
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.core.catalog import connector_spec
from connectors.core.clock import ManualClock
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    FieldError,
    NotFound,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.idempotency import idempotency_key
from connectors.core.ratelimit import CLIENT_JITTER_ALLOWANCE_S
from connectors.core.records import Money
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan, RecordedRequest
from connectors.core.transport import InProcessTransport
from connectors.registry import connector_class, simulator_class
from connectors.stripe import CustomerInput, Invoice, Stripe, StripeSettings
from connectors.stripe.client import READ_RETRY, WRITE_RETRY
from connectors.stripe.errors import describe_stripe_error
from connectors.stripe.form import encode_form
from connectors.stripe.simulator import SIMULATOR_SECRET_KEY, StripeSimulator

WRONG_KEY = "sk_test_wrong_key_for_flowbot_tests_9999"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def _sim(clock: ManualClock, *, customers: int = 0, invoices: int = 0,
         charges: int = 0) -> StripeSimulator:
    """A simulator with only the objects a test asks for."""
    return StripeSimulator(clock=clock, customers=customers, invoices=invoices, charges=charges)


def _query(request: RecordedRequest) -> dict[str, str]:
    return dict(parse_qsl(request.query, keep_blank_values=True))


def _form(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(request.body.decode(), keep_blank_values=True)


def _patient(stripe: Stripe, attempts: int = 50) -> Stripe:
    """Give both clients many attempts, for tests that inject faults at random."""
    stripe.client.retry = dataclasses.replace(READ_RETRY, max_attempts=attempts)  # type: ignore[union-attr]
    stripe.writer.retry = dataclasses.replace(WRITE_RETRY, max_attempts=attempts)
    return stripe


def _mocked(clock: ManualClock, respond: Callable[[httpx.Request], httpx.Response]) -> Stripe:
    return Stripe(StripeSettings(secret_key=SecretStr(SIMULATOR_SECRET_KEY)),
                  transport=httpx.MockTransport(respond), clock=clock)


# -- reads: mapping and requests -----------------------------------------------------------------


def test_customers_are_read_newest_first_page_by_page(clock: ManualClock) -> None:
    sim = _sim(clock, customers=23)
    customers = list(sim.connect().customers.list(page_size=10))
    raw = {c["id"]: c for c in sim.listing("customer")}
    assert len(customers) == 23
    assert len({c.id for c in customers}) == 23
    assert [c.created for c in customers] == sorted((c.created for c in customers), reverse=True)
    first = customers[0]
    assert first.created == datetime.fromtimestamp(raw[first.id]["created"], UTC)
    assert (first.email, first.name) == (raw[first.id]["email"], raw[first.id]["name"])
    assert [_query(r) for r in sim.requests] == [
        {"limit": "10"},
        {"limit": "10", "starting_after": customers[9].id},
        {"limit": "10", "starting_after": customers[19].id}]
    assert {r.headers["authorization"] for r in sim.requests} == {f"Bearer {SIMULATOR_SECRET_KEY}"}
    assert all("stripe-version" not in r.headers for r in sim.requests)


def test_customer_filters_are_sent_in_stripes_bracket_form(clock: ManualClock) -> None:
    sim = _sim(clock, customers=8)
    listing = sim.listing("customer")
    target = sim.add_customer(email="ines.horvat@example.com", created=listing[3]["created"] + 1)
    stripe = sim.connect()
    since = datetime.fromtimestamp(target["created"], UTC)
    found = list(stripe.customers.list(email="ines.horvat@example.com", created_gte=since))
    assert [c.id for c in found] == [target["id"]]
    assert _query(sim.requests[-1]) == {"limit": "100", "email": "ines.horvat@example.com",
                                        "created[gte]": str(target["created"])}
    assert list(stripe.customers.list(email="INES.HORVAT@example.com")) == []  # case-sensitive


def test_created_bounds_are_inclusive(clock: ManualClock) -> None:
    sim = _sim(clock, customers=12)
    listing = sim.listing("customer")
    lower, upper = (datetime.fromtimestamp(listing[i]["created"], UTC) for i in (6, 2))
    found = list(sim.connect().customers.list(created_gte=lower, created_lte=upper, page_size=2))
    assert [c.id for c in found] == [c["id"] for c in listing[2:7]]


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: s.customers.list(page_size=0), "page_size"),
    (lambda s: s.invoices.list(page_size=101), "page_size"),
    (lambda s: s.charges.list(created_gte=datetime(2024, 1, 1)), "created"),
    (lambda s: iter([s.customers.get("  ")]), "customer_id"),
    (lambda s: iter([s.customers.create(CustomerInput(), idempotency_key="")]), "idempotency_key"),
    (lambda s: iter([s.customers.create(CustomerInput(), idempotency_key="k" * 256)]),
     "idempotency_key"),
])
def test_bad_arguments_are_refused_before_any_request(
        clock: ManualClock, call: Callable[[Stripe], Any], field: str) -> None:
    sim = _sim(clock, customers=1)
    with pytest.raises(ValidationFailed) as caught:
        list(call(sim.connect()))
    assert caught.value.field_errors[0].field == field
    assert sim.stats.requests == 0


@pytest.mark.parametrize(("currency", "divisor"), [("usd", 100), ("eur", 100), ("jpy", 1)])
def test_invoice_amounts_become_money_in_the_currencys_units(
        clock: ManualClock, currency: str, divisor: int) -> None:
    sim = _sim(clock, customers=1)
    owner = sim.listing("customer")[0]["id"]
    raw = sim.add_invoice(owner, currency=currency, status="open", lines=3)
    invoice = sim.connect().invoices.get(raw["id"])
    code = currency.upper()
    assert invoice.currency == code
    for name in ("amount_due", "amount_paid", "amount_remaining", "subtotal", "total"):
        assert getattr(invoice, name) == Money(amount=Decimal(raw[name]) / divisor, currency=code)
    assert [line.amount for line in invoice.lines] == [
        Money(amount=Decimal(line["amount"]) / divisor, currency=code)
        for line in raw["lines"]["data"]]
    assert invoice.status == "open"
    assert invoice.customer == owner
    assert not invoice.lines_has_more
    assert invoice.due_date == datetime.fromtimestamp(raw["due_date"], UTC)


def test_invoices_filter_by_customer_and_status(clock: ManualClock) -> None:
    sim = _sim(clock, customers=4, invoices=40)
    owner = sim.listing("invoice")[0]["customer"]
    found = list(sim.connect().invoices.list(customer=owner, status="paid", page_size=3))
    expected = [i["id"] for i in sim.listing("invoice")
                if i["customer"] == owner and i["status"] == "paid"]
    assert expected
    assert [i.id for i in found] == expected
    assert all(i.amount_remaining.amount == 0 for i in found)
    assert _query(sim.requests[0]) == {"limit": "3", "customer": owner, "status": "paid"}


def test_an_invoice_with_many_lines_embeds_ten_and_lists_all(clock: ManualClock) -> None:
    sim = _sim(clock, customers=1)
    raw = sim.add_invoice(sim.listing("customer")[0]["id"], lines=15)
    stripe = sim.connect()
    invoice = stripe.invoices.get(raw["id"])
    assert len(invoice.lines) == 10
    assert invoice.lines_has_more
    lines = list(stripe.invoices.lines(raw["id"], page_size=4))
    assert [line.id for line in lines[:10]] == [line.id for line in invoice.lines]
    assert len(lines) == 15
    assert len({line.id for line in lines}) == 15
    assert sum(line.amount.amount for line in lines) == invoice.total.amount
    assert sim.requests[-1].path == f"/v1/invoices/{raw['id']}/lines"
    assert sim.stats.requests == 1 + 4


def test_charges_are_mapped(clock: ManualClock) -> None:
    sim = _sim(clock, customers=3, invoices=5, charges=12)
    stripe = sim.connect()
    raw = sim.listing("charge")[0]
    charge = stripe.charges.get(raw["id"])
    assert charge.amount == Money.from_minor_units(raw["amount"], raw["currency"])
    assert (charge.status, charge.paid, charge.customer, charge.invoice) == (
        raw["status"], raw["paid"], raw["customer"], raw["invoice"])
    mine = list(stripe.charges.list(customer=raw["customer"]))
    assert [c.id for c in mine] == [c["id"] for c in sim.listing("charge")
                                    if c["customer"] == raw["customer"]]


@pytest.mark.parametrize(("resource", "kind"), [
    ("customers", "customer"), ("invoices", "invoice"), ("charges", "charge")])
def test_a_missing_object_is_not_found_with_stripes_words(
        clock: ManualClock, resource: str, kind: str) -> None:
    sim = _sim(clock)
    with pytest.raises(NotFound, match=rf"No such {kind}: 'x_nope' \(invalid_request_error, "
                                       r"resource_missing\)") as caught:
        getattr(sim.connect(), resource).get("x_nope")
    assert caught.value.status == 404
    assert sim.stats.requests == 1


def test_a_deleted_customer_is_not_found_and_not_listed(clock: ManualClock) -> None:
    sim = _sim(clock, customers=3)
    gone = sim.listing("customer")[1]["id"]
    sim.delete_customer(gone)
    stripe = sim.connect()
    with pytest.raises(NotFound, match=f"Customer {gone} was deleted at Stripe") as caught:
        stripe.customers.get(gone)
    assert caught.value.status == 200  # Stripe answers a deleted object with a stub, not a 404
    assert gone not in {c.id for c in stripe.customers.list()}


# -- writes and idempotency ----------------------------------------------------------------------


def test_create_sends_a_form_with_the_idempotency_key(clock: ManualClock) -> None:
    sim = _sim(clock)
    key = idempotency_key("test:customers.create", "order-1")
    customer = sim.connect().customers.create(
        CustomerInput(email="rosa.moreau@example.com", name="Rosa Moreau",
                      metadata={"order_id": "6735"}), idempotency_key=key)
    request = sim.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/customers")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["idempotency-key"] == key
    assert _form(request) == {"email": ["rosa.moreau@example.com"], "name": ["Rosa Moreau"],
                              "metadata[order_id]": ["6735"]}
    assert customer.id.startswith("cus_")
    assert customer.metadata == {"order_id": "6735"}
    assert sim.get("customer", customer.id)["email"] == "rosa.moreau@example.com"  # type: ignore[index]
    assert sim.stats.writes == {key: 1}


def test_the_same_key_and_fields_replay_the_first_customer(clock: ManualClock) -> None:
    sim = _sim(clock)
    stripe = sim.connect()
    first = stripe.customers.create(CustomerInput(email="a@example.com"), idempotency_key="k-1")
    again = stripe.customers.create(CustomerInput(email="a@example.com"), idempotency_key="k-1")
    assert again == first
    assert sim.stats.writes == {"k-1": 1}
    assert len(sim.listing("customer")) == 1


def test_the_same_key_with_other_fields_is_a_conflict(clock: ManualClock) -> None:
    sim = _sim(clock)
    stripe = sim.connect()
    stripe.customers.create(CustomerInput(email="a@example.com"), idempotency_key="k-2")
    with pytest.raises(Conflict, match=r"can only be used with the same parameters they were "
                                       r"first used with\. Try using a key other than 'k-2'"):
        stripe.customers.create(CustomerInput(email="b@example.com"), idempotency_key="k-2")
    assert sim.stats.writes == {"k-2": 1}
    assert sim.stats.requests == 2


def test_a_key_is_forgotten_after_24_hours(clock: ManualClock) -> None:
    sim = _sim(clock)
    stripe = sim.connect()
    stripe.customers.create(CustomerInput(name="Ada"), idempotency_key="k-3")
    clock.advance(24 * 3600 - 1)
    stripe.customers.create(CustomerInput(name="Ada"), idempotency_key="k-3")
    assert sim.stats.writes["k-3"] == 1
    clock.advance(2)
    stripe.customers.create(CustomerInput(name="Ada"), idempotency_key="k-3")
    assert sim.stats.writes["k-3"] == 2


def test_a_key_in_use_is_retried_with_the_same_key(clock: ManualClock) -> None:
    sim = _sim(clock)
    sim.keys_in_use = 2
    customer = sim.connect().customers.create(CustomerInput(name="Bo"), idempotency_key="k-4")
    posts = [r for r in sim.requests if r.method == "POST"]
    assert [r.headers["idempotency-key"] for r in posts] == ["k-4"] * 3
    assert sim.stats.writes == {"k-4": 1}
    assert customer.name == "Bo"


def test_a_dropped_create_is_replayed_not_written_twice(clock: ManualClock) -> None:
    sim = _sim(clock)
    sim.faults = FaultPlan(drops_after_processing=1)
    customer = sim.connect().customers.create(CustomerInput(name="Cy"), idempotency_key="k-5")
    assert sim.stats.drops == 1
    assert sim.stats.writes == {"k-5": 1}
    assert [c["id"] for c in sim.listing("customer")] == [customer.id]


@pytest.mark.parametrize(("kind", "requests"), [("read", 2), ("write", 1)])
def test_a_500_is_retried_for_reads_but_not_for_keyed_writes(
        clock: ManualClock, kind: str, requests: int) -> None:
    sim = _sim(clock, customers=1)
    stripe = sim.connect()
    sim.faults = FaultPlan(server_errors=1, server_error_status=500)
    if kind == "read":
        assert len(list(stripe.customers.list())) == 1
    else:  # Stripe saves a keyed 500 and replays it: retrying cannot help
        with pytest.raises(TransientError, match=r"An unknown error occurred \(api_error\)"):
            stripe.customers.create(CustomerInput(name="Di"), idempotency_key="k-6")
    assert sim.stats.requests == requests


def test_update_merges_metadata_and_clears_fields_without_a_key(clock: ManualClock) -> None:
    sim = _sim(clock)
    raw = sim.add_customer(name="Old Name", metadata={"a": "1", "b": "2"})
    sim.faults = FaultPlan(drops_after_processing=1)  # an update is safe to resend
    updated = sim.connect().customers.update(
        raw["id"], CustomerInput(name=None, metadata={"b": "", "c": "3"}))
    request = sim.requests[-1]
    assert request.path == f"/v1/customers/{raw['id']}"
    assert "idempotency-key" not in request.headers
    assert _form(request) == {"name": [""], "metadata[b]": [""], "metadata[c]": ["3"]}
    assert updated.name is None
    assert updated.metadata == {"a": "1", "c": "3"}
    assert updated.email == raw["email"]  # not sent, so kept
    assert sim.stats.requests == 2


def test_an_invalid_email_names_the_field_and_saves_nothing_under_the_key(
        clock: ManualClock) -> None:
    sim = _sim(clock)
    stripe = sim.connect()
    with pytest.raises(ValidationFailed, match="email_invalid") as caught:
        stripe.customers.create(CustomerInput(email="not-an-email"), idempotency_key="k-7")
    assert caught.value.field_errors == [FieldError("email", "Invalid email address: not-an-email")]
    assert sim.stats.requests == 1
    assert not sim.stats.writes
    fixed = stripe.customers.create(CustomerInput(email="ok@example.com"), idempotency_key="k-7")
    assert fixed.email == "ok@example.com"
    assert sim.stats.writes == {"k-7": 1}


def test_customer_input_refuses_a_misspelt_field() -> None:
    with pytest.raises(pydantic.ValidationError, match="emial"):
        CustomerInput(emial="a@example.com")  # type: ignore[call-arg]


# -- the simulator's wire behaviour --------------------------------------------------------------


def _raw_client(sim: StripeSimulator) -> httpx.Client:
    return httpx.Client(base_url="http://simulator.invalid", transport=InProcessTransport(sim.app))


@pytest.mark.parametrize(("authorization", "status", "message"), [
    (None, 401, "You did not provide an API key."),
    (f"Bearer {WRONG_KEY}", 401, "Invalid API Key provided: sk_test_****9999"),
    (f"Bearer {SIMULATOR_SECRET_KEY}", 200, None),
    ("Basic " + base64.b64encode(f"{SIMULATOR_SECRET_KEY}:".encode()).decode(), 200, None),
])
def test_simulator_auth_answers_like_stripe(
        clock: ManualClock, authorization: str | None, status: int, message: str | None) -> None:
    sim = _sim(clock, customers=1)
    headers = {"Authorization": authorization} if authorization else {}
    response = _raw_client(sim).get("/v1/customers", headers=headers)
    assert response.status_code == status
    if message is not None:
        assert response.json()["error"]["message"].startswith(message)
        assert response.json()["error"]["type"] == "invalid_request_error"
        assert WRONG_KEY not in response.text


def test_simulator_marks_replays_and_pages_backwards(clock: ManualClock) -> None:
    sim = _sim(clock, customers=9)
    client = _raw_client(sim)
    auth = {"Authorization": f"Bearer {SIMULATOR_SECRET_KEY}"}
    answers = [client.post("/v1/customers", data={"name": "Eve"},
                           headers={**auth, "Idempotency-Key": "k-8"}) for _ in range(2)]
    assert answers[0].json() == answers[1].json()
    assert "idempotent-replayed" not in answers[0].headers
    assert answers[1].headers["idempotent-replayed"] == "true"
    listing = sim.listing("customer")
    page = client.get("/v1/customers", params={"ending_before": listing[6]["id"], "limit": 3},
                      headers=auth).json()
    assert [c["id"] for c in page["data"]] == [c["id"] for c in listing[3:6]]
    assert page["has_more"] is True
    assert page["object"] == "list"


@pytest.mark.parametrize(("call", "error", "text"), [
    (lambda s: s.client.request("GET", "/v1/customers", params={"colour": "red"}),
     ValidationFailed, "Received unknown parameter: colour"),
    (lambda s: s.client.request("GET", "/v1/customers", params={"limit": "0"}),
     ValidationFailed, "greater than or equal to 1"),
    (lambda s: s.client.request("GET", "/v1/invoices", params={"status": "late"}),
     ValidationFailed, "Invalid status: must be one of draft, open, paid, uncollectible, or void"),
    (lambda s: s.writer.request("POST", "/v1/customers", json={"name": "J"}, idempotency_key="j"),
     ValidationFailed, "application/x-www-form-urlencoded"),
    (lambda s: s.client.request("GET", "/v1/subscriptions"), ProtocolError,
     r"not simulated: the Stripe API simulator does not reproduce GET /v1/subscriptions"),
    (lambda s: s.client.request("GET", "/v1/customers/search", params={"query": "email:'a'"}),
     ProtocolError, r"does not reproduce GET /v1/customers/search"),
])
def test_simulator_refuses_what_stripe_refuses(
        clock: ManualClock, call: Callable[[Stripe], Any], error: type[Exception],
        text: str) -> None:
    sim = _sim(clock)
    with pytest.raises(error, match=text):
        call(sim.connect())
    assert sim.stats.requests == 1  # a refusal, a 501 included, is not asked again


def test_api_version_is_sent_when_pinned_and_checked(clock: ManualClock) -> None:
    sim = _sim(clock, customers=1)
    transport = InProcessTransport(sim.app)

    def connect(version: str) -> Stripe:
        return Stripe(StripeSettings(base_url="http://simulator.invalid", api_version=version,
                                     secret_key=SecretStr(SIMULATOR_SECRET_KEY)),
                      transport=transport, clock=clock)

    stripe = connect("2024-06-20")
    list(stripe.customers.list())
    stripe.customers.create(CustomerInput(name="Fay"), idempotency_key="k-9")
    assert [r.headers["stripe-version"] for r in sim.requests] == ["2024-06-20"] * 2
    with pytest.raises(ValidationFailed, match="Invalid Stripe API version: june"):
        list(connect("june").customers.list())


# -- broken answers, bad credentials, wrong places -----------------------------------------------

_CUSTOMER = {"id": "cus_1", "object": "customer", "created": 1_704_067_200}


@pytest.mark.parametrize(("body", "text"), [
    ({"object": "list", "has_more": False}, r"expected a list of records at 'data'"),
    ({"object": "list", "data": [_CUSTOMER]}, r"expected true or false at 'has_more'"),
    ({"object": "list", "data": [], "has_more": True}, r"'has_more' is true on an empty page"),
    ({"object": "list", "data": [{"email": "x@example.com"}], "has_more": True},
     r"the last record has no 'id'"),
    ({"object": "list", "data": [{"id": "cus_2"}], "has_more": False},
     r"Stripe sent a Customer \(cus_2\) the connector cannot read: created: Field required"),
    ({"object": "list", "data": [{**_CUSTOMER, "created": "yesterday"}], "has_more": False},
     r"created: Value error, not an ISO 8601 timestamp"),
])
def test_a_malformed_page_is_a_protocol_error(clock: ManualClock, body: Any, text: str) -> None:
    stripe = _mocked(clock, lambda request: httpx.Response(200, json=body))
    with pytest.raises(ProtocolError, match=text):
        list(stripe.customers.list())


def test_an_invoice_without_a_currency_cannot_become_money(clock: ManualClock) -> None:
    body = {"id": "in_1", "object": "invoice", "created": 1_704_067_200, "amount_due": 1999,
            "amount_paid": 0, "amount_remaining": 1999, "subtotal": 1999, "total": 1999}
    stripe = _mocked(clock, lambda request: httpx.Response(200, json=body))
    with pytest.raises(ProtocolError, match=r"Invoice \(in_1\).*currency: Field required"):
        stripe.invoices.get("in_1")


def test_an_html_page_is_a_protocol_error_or_retried_as_a_502(clock: ManualClock) -> None:
    stripe = _mocked(clock, lambda request: httpx.Response(200, html="<html>Sign in</html>"))
    with pytest.raises(ProtocolError, match="expected a JSON body but got text/html"):
        stripe.customers.get("cus_1")
    sim = _sim(clock, customers=1)
    sim.faults = FaultPlan(html_errors=10)
    with pytest.raises(TransientError, match="502") as caught:
        list(sim.connect().customers.list())
    assert "<h1>502 Bad Gateway</h1>" in str(caught.value)
    assert sim.stats.requests == 5


def test_a_wrong_key_is_an_auth_error_that_never_shows_the_key(
        clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sim = _sim(clock, customers=1)
    stripe = Stripe(StripeSettings(base_url="http://simulator.invalid",
                                   secret_key=SecretStr(WRONG_KEY)),
                    transport=InProcessTransport(sim.app), clock=clock)
    masked = re.escape("Invalid API Key provided: sk_test_****9999")
    with pytest.raises(AuthError, match=masked) as caught:
        list(stripe.customers.list())
    shown = " ".join([str(caught.value), repr(caught.value), str(caught.value.context),
                      caplog.text, repr(stripe), repr(stripe.settings), repr(stripe.client)])
    assert WRONG_KEY not in shown
    assert sim.stats.requests == 1  # a refused key is not retried


def test_a_malformed_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="is not an http"):
        Stripe(StripeSettings(base_url="not a url", secret_key=SecretStr(WRONG_KEY)))


def test_nothing_listening_is_a_transient_error_naming_the_url(clock: ManualClock) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    stripe = Stripe(StripeSettings(base_url=url, secret_key=SecretStr(WRONG_KEY)), clock=clock)
    with pytest.raises(TransientError, match="check the base URL") as caught:
        stripe.customers.get("cus_1")
    assert url in str(caught.value)
    assert WRONG_KEY not in str(caught.value)


# -- rate limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "overrides", "reads", "writes"), [
    ("sk_live_example", {}, 100, 100),
    ("sk_test_example", {}, 25, 25),
    ("rk_test_example", {}, 25, 25),
    ("sk_live_example", {"read_requests_per_second": 40.0}, 40, 100),
])
def test_limits_default_to_stripes_for_the_keys_mode(
        key: str, overrides: dict[str, float], reads: float, writes: float) -> None:
    chosen = StripeSettings(secret_key=SecretStr(key), **overrides)
    assert (chosen.reads_per_second(), chosen.writes_per_second()) == (reads, writes)


def test_reading_many_pages_stays_under_the_limit_at_full_speed(clock: ManualClock) -> None:
    sim = _sim(clock, customers=2000)
    start = clock.now()
    assert len(list(sim.connect().customers.list(page_size=10))) == 2000
    minimum = (200 - 25) / 25  # a bucket of 25, then 25 requests a second (test mode)
    assert sim.stats.rate_limited == 0
    assert minimum <= clock.now() - start <= minimum * 1.05


def test_reads_and_writes_have_their_own_budgets(clock: ManualClock) -> None:
    sim = _sim(clock, customers=1)
    stripe = sim.connect()
    customer_id = sim.listing("customer")[0]["id"]
    start = clock.now()
    for n in range(40):
        stripe.customers.get(customer_id)
        stripe.customers.create(CustomerInput(name=f"n{n}"), idempotency_key=f"budget-{n}")
    # each budget keeps the jitter allowance in hand; one shared budget would need (80 - 25) / 25
    minimum = (40 - (25 - 25 * CLIENT_JITTER_ALLOWANCE_S)) / 25
    assert sim.stats.rate_limited == 0
    assert minimum - 1e-9 <= clock.now() - start <= minimum * 1.05


def test_stripes_429_is_retried_with_backoff_then_reported(clock: ManualClock) -> None:
    sim = _sim(clock, customers=1)
    sim.faults = FaultPlan(rate_limit_bursts=2)
    stripe = sim.connect()
    start = clock.now()
    assert len(list(stripe.customers.list())) == 1
    assert clock.now() - start >= 2 * 0.5  # no Retry-After: every caller held back 0.5 s a time
    sim.faults = FaultPlan(rate_limit_bursts=10)
    with pytest.raises(RateLimited, match="Too many requests hit the API too quickly") as caught:
        list(stripe.customers.list())
    assert caught.value.retry_after is None


# -- pieces --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "fields"), [
    ({"metadata": {"order_id": 6735, "plan": "gold"}},
     {"metadata[order_id]": "6735", "metadata[plan]": "gold"}),
    ({"created": {"gte": datetime(2024, 1, 1, tzinfo=UTC)}, "limit": 10},
     {"created[gte]": "1704067200", "limit": "10"}),
    ({"expand": ["customer", "invoice"], "paid": True, "name": None},
     {"expand[0]": "customer", "expand[1]": "invoice", "paid": "true", "name": ""}),
    ({"items": [{"price": "price_1", "quantity": 2}]},
     {"items[0][price]": "price_1", "items[0][quantity]": "2"}),
])
def test_form_encoding_nests_with_brackets(params: dict[str, Any], fields: dict[str, str]) -> None:
    assert encode_form(params) == fields


def test_form_encoding_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="without a timezone"):
        encode_form({"created": {"gte": datetime(2024, 1, 1)}})


@pytest.mark.parametrize(("body", "described"), [
    ({"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds."}},
     ("Your card has insufficient funds. (card_error, card_declined, insufficient_funds)", [])),
    ({"error": {"type": "invalid_request_error", "message": "Missing required param: amount.",
                "param": "amount", "code": "parameter_missing"}},
     ("Missing required param: amount. (invalid_request_error, parameter_missing)",
      [FieldError("amount", "Missing required param: amount.")])),
    ({"error": {"type": "api_error"}}, ("Stripe gave no message (api_error)", [])),
    ({"message": "not Stripe's shape"}, None),
    (["error"], None),
])
def test_stripe_error_bodies_are_described(body: Any, described: Any) -> None:
    assert describe_stripe_error(body) == described


def test_invoice_records_accept_stripes_shape_and_their_own() -> None:
    raw = {"id": "in_1", "customer": "cus_1", "status": "paid", "currency": "jpy",
           "amount_due": 500, "amount_paid": 500, "amount_remaining": 0, "subtotal": 500,
           "total": 500, "created": 1_704_067_200, "number": "A-0001",
           "lines": {"object": "list", "has_more": False, "data": [
               {"id": "il_1", "amount": 500, "currency": "jpy", "quantity": 1}]}}
    invoice = Invoice.model_validate(raw)
    assert invoice.total == Money(amount=Decimal(500), currency="JPY")
    assert invoice.lines[0].amount == invoice.total
    assert Invoice.model_validate(invoice.model_dump()) == invoice


def test_registry_and_catalog_describe_the_connector() -> None:
    assert connector_class("stripe") is Stripe
    assert simulator_class("stripe") is StripeSimulator
    spec = connector_spec(Stripe)
    create = spec.operation("customers.create")
    assert create is not None
    assert create.idempotency == "idempotency_key"
    assert create.writes
    key = next(p for p in create.parameters if p.name == "idempotency_key")
    assert key.required
    assert key.kind == "keyword"
    listing = spec.operation("invoices.list")
    assert listing is not None
    assert listing.many
    assert listing.record == "Invoice"
    status = next(p for p in listing.parameters if p.name == "status")
    assert status.type == "Literal['draft', 'open', 'paid', 'uncollectible', 'void'] | None"
    page_size = next(p for p in listing.parameters if p.name == "page_size")
    assert page_size.json_schema == {"type": "integer", "minimum": 1, "maximum": 100}
    assert {f.name: f.type for f in spec.records["Invoice"].fields}["amount_due"] == "Money"
    assert {s.name: s.secret for s in spec.settings}["secret_key"] is True


# -- properties and real sockets -----------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(customers=st.integers(0, 60), page_size=st.integers(1, 15),
       p_rate_limit=st.floats(0, 0.3), p_server_error=st.floats(0, 0.3),
       p_drop=st.floats(0, 0.3), seed=st.integers(0, 1000))
def test_property_faults_never_lose_or_repeat_records(
        customers: int, page_size: int, p_rate_limit: float, p_server_error: float,
        p_drop: float, seed: int) -> None:
    clock = ManualClock()
    sim = StripeSimulator(seed=seed, clock=clock, customers=customers, invoices=0, charges=0)
    expected = [c["id"] for c in sorted(sim.listing("customer"), key=lambda c: -c["created"])]
    sim.faults = FaultPlan(p_rate_limit=p_rate_limit, p_server_error=p_server_error,
                           p_drop=p_drop)
    found = [c.id for c in _patient(sim.connect()).customers.list(page_size=page_size)]
    assert found == expected
    assert len(found) == customers


@settings(max_examples=30, deadline=None)
@given(writes=st.integers(1, 8), p_drop=st.floats(0, 0.5), p_server_error=st.floats(0, 0.3),
       p_rate_limit=st.floats(0, 0.3), seed=st.integers(0, 1000))
def test_property_retried_keyed_creates_never_write_twice(
        writes: int, p_drop: float, p_server_error: float, p_rate_limit: float,
        seed: int) -> None:
    clock = ManualClock()
    sim = StripeSimulator(seed=seed, clock=clock, customers=0, invoices=0, charges=0)
    sim.faults = FaultPlan(p_drop=p_drop, p_server_error=p_server_error,
                           p_rate_limit=p_rate_limit)
    stripe = _patient(sim.connect())
    for n in range(writes):
        key = idempotency_key("test-flow:customers.create", n)
        first = stripe.customers.create(CustomerInput(name=f"n{n}"), idempotency_key=key)
        again = stripe.customers.create(CustomerInput(name=f"n{n}"), idempotency_key=key)
        assert again.id == first.id
    assert len(sim.stats.writes) == writes
    assert set(sim.stats.writes.values()) == {1}
    assert len(sim.listing("customer")) == writes


def test_repeating_cursor_is_a_protocol_error_not_a_hang(clock: ManualClock) -> None:
    sim = _sim(clock, customers=30)
    sim.repeat_cursor = True
    with pytest.raises(ProtocolError, match="went in a circle"):
        list(sim.connect().customers.list(page_size=10))
    assert sim.stats.requests == 2


def test_over_loopback_with_the_real_clock() -> None:
    sim = StripeSimulator(customers=12, invoices=3, charges=2)
    with serve_on_loopback(sim.app) as url, sim.connect(url) as stripe:
        assert len(list(stripe.customers.list(page_size=5))) == 12
        made = stripe.customers.create(CustomerInput(name="Gil"), idempotency_key="loop-1")
        assert stripe.customers.get(made.id).name == "Gil"
        assert len(list(stripe.invoices.list())) == 3
