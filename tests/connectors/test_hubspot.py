"""The HubSpot connector against its simulator: reads, writes, limits, faults and bad input."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from connectors.core.catalog import connector_spec
from connectors.core.clock import ManualClock
from connectors.core.connector import ConnectorSettings
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.records import Money
from connectors.core.retry import RetryPolicy
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan, RecordedRequest
from connectors.core.transport import IN_PROCESS_BASE_URL, InProcessTransport
from connectors.hubspot import (
    Company,
    CompanyInput,
    Contact,
    ContactInput,
    CrmRecord,
    Deal,
    DealInput,
    HubSpot,
    HubSpotSettings,
)
from connectors.hubspot.simulator import (
    HUBSPOT_READ_ONLY_TOKEN,
    HUBSPOT_TEST_TOKEN,
    HubSpotSimulator,
)
from connectors.registry import connector_class

RECORDS: dict[str, type[CrmRecord]] = {"contacts": Contact, "companies": Company, "deals": Deal}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> HubSpotSimulator:
    return HubSpotSimulator(clock=clock)


@pytest.fixture
def crm(sim: HubSpotSimulator) -> HubSpot:
    return sim.connect()


def query(request: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(request.query)


def body(request: RecordedRequest) -> Any:
    return json.loads(request.body)


def order_input(order_id: str, *, amount: str = "99.90", name: str | None = None) -> DealInput:
    return DealInput(dealname=name or f"Order {order_id}", dealstage="closedwon",
                     amount=Money(amount=Decimal(amount), currency="EUR"),
                     extra_properties={"shopify_order_id": order_id})


def patient(crm: HubSpot) -> HubSpot:
    """The connector with enough retries for heavy fault injection."""
    assert crm.client is not None
    crm.client.retry = RetryPolicy(max_attempts=60)
    return crm


# -- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("object_type", ["contacts", "companies", "deals"])
@pytest.mark.parametrize("page_size", [1, 7, 100])
def test_list_reads_every_record_once_in_order_asking_for_the_typed_properties(
        clock: ManualClock, object_type: str, page_size: int) -> None:
    sim = HubSpotSimulator(clock=clock, contacts=23, companies=23, deals=23)
    records = list(getattr(sim.connect(), object_type).list(page_size=page_size))
    assert all(isinstance(r, RECORDS[object_type]) for r in records)
    assert [r.id for r in records] == [str(1001 + n) for n in range(23)]
    assert len(sim.requests) == math.ceil(23 / page_size)
    first, *rest = [query(r) for r in sim.requests]
    assert first["limit"] == [str(page_size)]
    assert "after" not in first
    assert first["properties"] == [",".join(RECORDS[object_type].typed_properties())]
    expected_after = [[str(1001 + page_size * n)] for n in range(1, len(rest) + 1)]
    assert [q["after"] for q in rest] == expected_after


def test_list_fetches_named_custom_properties_into_properties(crm: HubSpot,
                                                              sim: HubSpotSimulator) -> None:
    deal = next(crm.deals.list(properties=["shopify_order_id", "shopify_order_name"]))
    stored = sim.stored("deals", deal.id)
    assert deal.properties["shopify_order_id"] == stored["shopify_order_id"]
    assert deal.properties["shopify_order_name"] == stored["shopify_order_name"]
    assert query(sim.requests[0])["properties"][0].endswith(",shopify_order_id,shopify_order_name")


def test_deal_properties_are_typed_and_normalised(crm: HubSpot, sim: HubSpotSimulator) -> None:
    deal_id = sim.add("deals", {"dealname": "Order #9", "dealstage": "contractsent",
                                "amount": "1500", "closedate": "1717243200000",
                                "description": "", "shopify_order_id": "4400009"})
    deal = crm.deals.get(deal_id, properties=["shopify_order_id", "description"])
    assert deal.amount == Decimal("1500")
    assert deal.deal_currency_code is None
    assert deal.closedate is not None
    assert deal.closedate.isoformat() == "2024-06-01T12:00:00+00:00"
    assert deal.pipeline == "default"  # HubSpot fills in the default pipeline
    assert deal.properties["shopify_order_id"] == "4400009"
    assert "description" not in deal.properties  # "" and null both mean no value


def test_record_model_reads_hubspots_raw_shape() -> None:
    contact = Contact.model_validate({
        "id": 51, "createdAt": "2019-10-30T03:30:17.883Z", "updatedAt": 1572406217883,
        "archived": False,
        "properties": {"email": "ada@mail.example", "firstname": "", "lastname": None,
                       "createdate": "1572406217883", "shoe_size": "44"}})
    assert contact.id == "51"
    assert contact.email == "ada@mail.example"
    assert contact.firstname is None
    assert contact.lastname is None
    assert contact.createdate == contact.updated_at
    assert contact.created_at.tzinfo is not None
    assert contact.properties == {"email": "ada@mail.example", "createdate": "1572406217883",
                                  "shoe_size": "44"}


def test_a_record_built_by_name_keeps_its_fields() -> None:
    deal = Deal(id="7", created_at="2024-01-01T00:00:00Z", updated_at="2024-01-01T00:00:00Z",
                dealname="Hand made", amount="10.5", properties={"shopify_order_id": "1"})
    assert deal.dealname == "Hand made"
    assert deal.amount == Decimal("10.5")
    assert deal.properties == {"shopify_order_id": "1", "dealname": "Hand made", "amount": "10.5"}
    assert Deal.model_validate(deal.model_dump(by_alias=True)) == deal


@pytest.mark.parametrize(("resource", "id_property", "value_of"), [
    ("contacts", None, lambda p: p["hs_object_id"]),
    ("contacts", "email", lambda p: p["email"].upper()),  # HubSpot: emails ignore case
    ("deals", "shopify_order_id", lambda p: p["shopify_order_id"]),
])
def test_get_by_id_or_by_a_unique_property(crm: HubSpot, sim: HubSpotSimulator, resource: str,
                                           id_property: str | None,
                                           value_of: Callable[[dict[str, str]], str]) -> None:
    stored = sim.stored(resource, "1004")
    record = getattr(crm, resource).get(value_of(stored), id_property=id_property)
    assert record.id == "1004"
    sent = query(sim.requests[-1])
    assert sent.get("idProperty") == ([id_property] if id_property else None)


@pytest.mark.parametrize(("record_id", "message"), [
    ("999999", "resource not found"),
    ("not-a-number", "objectId are usually numeric"),
])
def test_get_of_a_missing_record_is_not_found(crm: HubSpot, record_id: str, message: str) -> None:
    with pytest.raises(NotFound, match=message):
        crm.contacts.get(record_id)


@pytest.mark.parametrize(("call", "field"), [
    (lambda crm: list(crm.contacts.list(properties=["Shoe Size"])), "properties"),
    (lambda crm: list(crm.deals.list(page_size=101)), "page_size"),
    (lambda crm: crm.contacts.get("a@mail.example", id_property="E-mail"), "id_property"),
    (lambda crm: crm.companies.get(" "), "record_id"),
])
def test_bad_arguments_are_refused_before_sending(crm: HubSpot, sim: HubSpotSimulator,
                                                   call: Callable[[HubSpot], object],
                                                   field: str) -> None:
    with pytest.raises(ValidationFailed, match="refused before sending") as caught:
        call(crm)
    assert [e.field for e in caught.value.field_errors] == [field]
    assert sim.requests == []


# -- writes --------------------------------------------------------------------------------------


def test_create_sends_the_typed_and_extra_properties(crm: HubSpot, sim: HubSpotSimulator) -> None:
    contact = crm.contacts.create(ContactInput(email="new.person@mail.example", firstname="New",
                                               extra_properties={"shopify_customer_id": "77"}))
    request = sim.requests[-1]
    assert (request.method, request.path) == ("POST", "/crm/v3/objects/contacts")
    assert body(request) == {"properties": {"email": "new.person@mail.example",
                                            "firstname": "New", "shopify_customer_id": "77"}}
    assert "idempotency-key" not in request.headers
    assert contact.email == "new.person@mail.example"
    assert contact.id == "1031"
    assert sim.stats.writes == {"contacts:hs_object_id=1031": 1}


def test_create_of_an_existing_email_is_a_conflict_naming_the_record(
        crm: HubSpot, sim: HubSpotSimulator) -> None:
    existing = sim.stored("contacts", "1002")["email"]
    with pytest.raises(Conflict, match=r"Contact already exists\. Existing ID: 1002.*upsert"):
        crm.contacts.create(ContactInput(email=existing.upper()))
    assert sim.count("contacts") == 30


def test_create_is_not_retried_after_a_dropped_connection(crm: HubSpot,
                                                          sim: HubSpotSimulator) -> None:
    sim.faults = FaultPlan(drops_after_processing=1)
    with pytest.raises(TransientError, match="RemoteProtocolError"):
        crm.deals.create(order_input("A-1"))
    assert len(sim.requests) == 1
    assert sim.count("deals") == 21


def test_deal_amount_is_sent_with_its_currency(crm: HubSpot, sim: HubSpotSimulator) -> None:
    deal = crm.deals.create(DealInput(dealname="Big", dealstage="qualifiedtobuy",
                                      amount=Money(amount=Decimal("1234.5"), currency="gbp"),
                                      closedate="2024-07-01T09:30:00+02:00"))
    assert body(sim.requests[-1])["properties"] == {
        "amount": "1234.5", "deal_currency_code": "GBP", "closedate": "2024-07-01T07:30:00.000Z",
        "dealname": "Big", "dealstage": "qualifiedtobuy"}
    assert deal.amount == Decimal("1234.5")
    assert deal.deal_currency_code == "GBP"


def test_update_patches_and_a_repeat_changes_nothing(crm: HubSpot, sim: HubSpotSimulator) -> None:
    change = ContactInput(jobtitle="CTO", phone="")
    updated = crm.contacts.update("1003", change)
    again = crm.contacts.update("1003", change)
    assert sim.requests[-1].method == "PATCH"
    assert sim.requests[-1].path.endswith("/1003")
    assert updated.jobtitle == "CTO"
    assert updated.phone is None
    assert again.updated_at == updated.updated_at
    assert sim.stats.writes == {"contacts:hs_object_id=1003": 1}


def test_update_is_retried_after_a_drop_and_applied_once(crm: HubSpot,
                                                         sim: HubSpotSimulator) -> None:
    email = sim.stored("contacts", "1005")["email"]
    sim.faults = FaultPlan(drops_after_processing=1)
    contact = crm.contacts.update(email, ContactInput(lastname="Hopper"), id_property="email")
    assert contact.lastname == "Hopper"
    assert len(sim.requests) == 2
    assert sim.stats.writes == {f"contacts:email={email}": 1}


def test_update_of_a_missing_record_is_not_found_and_never_creates(
        crm: HubSpot, sim: HubSpotSimulator) -> None:
    with pytest.raises(NotFound):
        crm.deals.update("404", order_input("gone"), id_property="shopify_order_id")
    assert sim.count("deals") == 20


def test_upsert_creates_then_lands_on_the_same_record(crm: HubSpot, sim: HubSpotSimulator) -> None:
    first = crm.deals.upsert(order_input("4401"), id_property="shopify_order_id")
    same = crm.deals.upsert(order_input("4401"), id_property="shopify_order_id")
    moved = crm.deals.upsert(order_input("4401", amount="120.00"), id_property="shopify_order_id")
    assert first.id == same.id == moved.id
    assert moved.amount == Decimal("120.00")
    request = sim.requests[-1]
    assert request.path == "/crm/v3/objects/deals/batch/upsert"
    assert body(request) == {"inputs": [{
        "idProperty": "shopify_order_id", "id": "4401",
        "properties": {"amount": "120.00", "deal_currency_code": "EUR", "dealname": "Order 4401",
                       "dealstage": "closedwon", "shopify_order_id": "4401"}}]}
    assert sim.stats.writes == {"deals:shopify_order_id=4401": 2}  # created, then changed once
    assert sim.count("deals") == 21


def test_upsert_many_chunks_by_100_and_answers_in_input_order(
        crm: HubSpot, sim: HubSpotSimulator) -> None:
    orders = [order_input(f"B-{n}") for n in range(250)]
    deals = crm.deals.upsert_many(orders, id_property="shopify_order_id")
    assert [d.properties["shopify_order_id"] for d in deals] == [f"B-{n}" for n in range(250)]
    assert [len(body(r)["inputs"]) for r in sim.requests] == [100, 100, 50]
    assert set(sim.stats.writes.values()) == {1}
    assert len(sim.stats.writes) == 250


def test_upsert_by_email_updates_the_existing_contact(crm: HubSpot, sim: HubSpotSimulator) -> None:
    email = sim.stored("contacts", "1007")["email"]
    contact = crm.contacts.upsert(ContactInput(email=email, firstname="Grace"), id_property="email")
    assert contact.id == "1007"
    assert sim.stored("contacts", "1007")["firstname"] == "Grace"


@pytest.mark.parametrize(("records", "message"), [
    ([ContactInput(firstname="No email")], "email is the id_property"),
    ([ContactInput(email="a@mail.example"), ContactInput(email="A@mail.example")],
     "values repeat within one upsert"),
])
def test_upsert_refuses_ambiguous_input_before_sending(crm: HubSpot, sim: HubSpotSimulator,
                                                       records: list[ContactInput],
                                                       message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        crm.contacts.upsert_many(records, id_property="email")
    assert sim.requests == []


@pytest.mark.parametrize("make", [
    lambda: ContactInput(emial="typo@mail.example"),  # type: ignore[call-arg]
    lambda: ContactInput(extra_properties={"Shoe Size": "44"}),
    lambda: ContactInput(extra_properties={"email": "x@mail.example"}),
    lambda: DealInput(extra_properties={"deal_currency_code": "EUR"}),
    lambda: DealInput(amount="12.00"),
])
def test_inputs_refuse_misspelt_shadowing_or_untyped_values(make: Callable[[], object]) -> None:
    with pytest.raises(PydanticValidationError):
        make()


@pytest.mark.parametrize(("write", "error", "field", "message"), [
    (lambda crm: crm.deals.create(DealInput(dealname="x", dealstage="closedwon",
                                            extra_properties={"bogus": "1"})),
     ValidationFailed, "bogus", 'Property "bogus" does not exist'),
    (lambda crm: crm.deals.create(DealInput(dealname="No stage")),
     ValidationFailed, "dealstage", "required"),
    (lambda crm: crm.deals.create(DealInput(dealname="x", dealstage="won",
                                            amount=Money(amount=Decimal(1), currency="SEK"))),
     ValidationFailed, "deal_currency_code", "SEK was not one of the allowed options"),
    (lambda crm: crm.contacts.update("1001", ContactInput(email="not-an-email")),
     ValidationFailed, "email", "Email address not-an-email is invalid"),
    (lambda crm: crm.companies.upsert(CompanyInput(name="Acme"), id_property="name"),
     ValidationFailed, None, "name is not a unique identifier property"),
    (lambda crm: crm.contacts.update("1001", ContactInput()),
     ValidationFailed, None, "No properties found to update"),
])
def test_vendor_refusals_name_the_property(crm: HubSpot, sim: HubSpotSimulator,
                                           write: Callable[[HubSpot], object],
                                           error: type[ConnectorError], field: str | None,
                                           message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        write(crm)
    assert isinstance(caught.value, ValidationFailed)
    if field is not None:
        assert field in [e.field for e in caught.value.field_errors]
    assert "correlationId" in str(caught.value)
    assert len(sim.requests) == 1
    assert not sim.stats.writes


def test_a_token_without_write_scopes_is_permission_denied(sim: HubSpotSimulator,
                                                           clock: ManualClock) -> None:
    settings_ = sim.settings(IN_PROCESS_BASE_URL).model_copy(
        update={"access_token": SecretStr(HUBSPOT_READ_ONLY_TOKEN)})
    crm = HubSpot(settings_, transport=InProcessTransport(sim.app), clock=clock)
    assert next(crm.deals.list()).id == "1001"
    with pytest.raises(PermissionDenied, match=r"crm.objects.deals.write"):
        crm.deals.upsert(order_input("C-1"), id_property="shopify_order_id")


# -- faults, properties --------------------------------------------------------------------------


fault_rates = st.floats(0, 0.3)


@settings(max_examples=30, deadline=None)
@given(count=st.integers(0, 120), page_size=st.integers(1, 100), p_rate_limit=fault_rates,
       p_server_error=fault_rates, p_drop=fault_rates, seed=st.integers(0, 1000))
def test_property_faulty_reads_yield_every_record_once_in_order(
        count: int, page_size: int, p_rate_limit: float, p_server_error: float, p_drop: float,
        seed: int) -> None:
    sim = HubSpotSimulator(clock=ManualClock(), seed=seed, contacts=count)
    sim.faults = FaultPlan(p_rate_limit=p_rate_limit, p_server_error=p_server_error,
                           p_drop=p_drop, retry_after="1")
    ids = [c.id for c in patient(sim.connect()).contacts.list(page_size=page_size)]
    assert ids == [str(1001 + n) for n in range(count)]


@settings(max_examples=30, deadline=None)
@given(orders=st.lists(st.integers(1, 10_000), min_size=1, max_size=30, unique=True),
       batch=st.booleans(), p_drop=st.floats(0, 0.5), p_server_error=fault_rates,
       p_rate_limit=fault_rates, seed=st.integers(0, 1000))
def test_property_retried_upserts_never_write_twice(
        orders: list[int], batch: bool, p_drop: float, p_server_error: float,
        p_rate_limit: float, seed: int) -> None:
    sim = HubSpotSimulator(clock=ManualClock(), seed=seed, deals=0)
    sim.faults = FaultPlan(p_drop=p_drop, p_server_error=p_server_error,
                           p_rate_limit=p_rate_limit, retry_after="1")
    crm = patient(sim.connect())
    inputs = [order_input(str(n)) for n in orders]
    for _ in range(2):  # the flow runs again: nothing more is written
        if batch:
            crm.deals.upsert_many(inputs, id_property="shopify_order_id")
        else:
            for deal in inputs:
                crm.deals.upsert(deal, id_property="shopify_order_id")
    assert sim.stats.writes == {f"deals:shopify_order_id={n}": 1 for n in orders}
    assert sim.count("deals") == len(orders)


def test_a_repeating_cursor_is_a_protocol_error_not_a_hang(crm: HubSpot,
                                                           sim: HubSpotSimulator) -> None:
    sim.repeat_cursor = True
    with pytest.raises(ProtocolError, match="went in a circle"):
        list(crm.contacts.list(page_size=10))
    assert len(sim.requests) == 2  # the repeat is caught before it is sent


# -- rate limits ---------------------------------------------------------------------------------


def test_throttle_stays_under_the_limit_and_near_its_ceiling(clock: ManualClock) -> None:
    sim = HubSpotSimulator(clock=clock, contacts=250)
    start = clock.now()
    assert len(list(sim.connect().contacts.list(page_size=1))) == 250
    elapsed = clock.now() - start
    assert sim.stats.rate_limited == 0
    assert 20.0 <= elapsed <= 20.0 * 1.05  # 100 at once, 100 ten seconds later, then 50


def test_throttle_believes_the_remaining_header_when_others_share_the_account(
        clock: ManualClock) -> None:
    sim = HubSpotSimulator(clock=clock, contacts=40)
    for _ in range(90):  # another app of the same account has used 90 of the 100
        sim.limits.consume(clock.now())
    assert len(list(sim.connect().contacts.list(page_size=1))) == 40
    assert sim.stats.rate_limited == 0
    assert clock.now() >= 1_010.0


def test_the_simulators_429_and_headers_are_hubspots(clock: ManualClock) -> None:
    sim = HubSpotSimulator(clock=clock, requests_per_window=2)
    raw = httpx.Client(transport=InProcessTransport(sim.app), base_url=IN_PROCESS_BASE_URL,
                       headers={"Authorization": f"Bearer {HUBSPOT_TEST_TOKEN}"})
    answers = [raw.get("/crm/v3/objects/deals", params={"limit": 1}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "2"
    assert answers[0].headers["X-HubSpot-RateLimit-Remaining"] == "1"
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert answers[0].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "249999"
    refused = answers[2].json()
    assert (refused["policyName"], refused["errorType"]) == ("TEN_SECONDLY_ROLLING", "RATE_LIMIT")
    assert refused["message"] == "You have reached your ten_secondly_rolling limit."
    assert answers[2].headers["Retry-After"] == "10"
    assert answers[0].json()["paging"]["next"]["after"] == "1002"


def test_an_exhausted_daily_limit_fails_fast(clock: ManualClock) -> None:
    sim = HubSpotSimulator(clock=clock, daily_limit=3)
    crm = sim.connect()
    with pytest.raises(RateLimited, match="longer than") as caught:
        list(crm.contacts.list(page_size=5))
    assert "You have reached your daily limit." in str(caught.value)
    assert len(sim.requests) == 4
    assert clock.now() < 1_100


# -- bad input -----------------------------------------------------------------------------------


def mocked(handler: Callable[[httpx.Request], httpx.Response], clock: ManualClock) -> HubSpot:
    settings_ = HubSpotSettings(base_url="https://api.hubapi.example",
                                access_token=SecretStr(HUBSPOT_TEST_TOKEN))
    return HubSpot(settings_, transport=httpx.MockTransport(handler), clock=clock)


RECORD = {"id": "1", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z",
          "properties": {"email": "a@mail.example"}}


@pytest.mark.parametrize(("answer", "error", "message"), [
    (lambda: httpx.Response(200, json={"results": {"id": "1"}}), ProtocolError,
     "expected a list of records at 'results'"),
    (lambda: httpx.Response(200, json={"results": [{**RECORD, "createdAt": None}]}),
     ProtocolError, r"Contact that does not fit its model \(id '1'\): createdAt"),
    (lambda: httpx.Response(200, json={"results": [{**RECORD, "properties": ["email"]}]}),
     ProtocolError, "'properties' must be an object"),
    (lambda: httpx.Response(200, html="<html><body>Sign in to HubSpot</body></html>"),
     ProtocolError, "expected a JSON body but got text/html"),
    (lambda: httpx.Response(502, html="<html><body>Bad gateway</body></html>"), TransientError,
     "Bad Gateway"),
])
def test_broken_pages_end_in_a_clear_error(clock: ManualClock,
                                           answer: Callable[[], httpx.Response],
                                           error: type[ConnectorError], message: str) -> None:
    crm = mocked(lambda request: answer(), clock)
    with pytest.raises(error, match=message):
        list(crm.contacts.list())


def test_a_partly_refused_batch_is_reported(clock: ManualClock) -> None:
    partial = {"status": "COMPLETE", "results": [], "numErrors": 1, "errors": [
        {"status": "error", "category": "VALIDATION_ERROR", "message": "Deal stage is invalid"}]}
    crm = mocked(lambda request: httpx.Response(207, json=partial), clock)
    with pytest.raises(ValidationFailed, match=r"refused 1 input.*Deal stage is invalid"):
        crm.deals.upsert(order_input("D-1"), id_property="shopify_order_id")


def test_a_batch_answer_missing_a_record_is_a_protocol_error(clock: ManualClock) -> None:
    crm = mocked(lambda request: httpx.Response(200, json={"status": "COMPLETE", "results": []}),
                 clock)
    with pytest.raises(ProtocolError, match=r"shopify_order_id is 'D-2'.*unconfirmed"):
        crm.deals.upsert(order_input("D-2"), id_property="shopify_order_id")


@pytest.fixture
def secret_free(caplog: pytest.LogCaptureFixture) -> Callable[[object, str], None]:
    caplog.set_level(logging.DEBUG)

    def check(shown: object, secret: str) -> None:
        text = f"{shown} {shown!r} {caplog.text}"
        if isinstance(shown, ConnectorError):
            text += f" {shown.context}"
        assert secret not in text

    return check


@pytest.mark.parametrize("token", ["pat-na1-expired-token-0000", HUBSPOT_TEST_TOKEN + "x"])
def test_a_wrong_token_is_an_auth_error_that_shows_no_token(
        sim: HubSpotSimulator, clock: ManualClock, token: str,
        secret_free: Callable[[object, str], None]) -> None:
    settings_ = sim.settings(IN_PROCESS_BASE_URL).model_copy(
        update={"access_token": SecretStr(token)})
    crm = HubSpot(settings_, transport=InProcessTransport(sim.app), clock=clock)
    with pytest.raises(AuthError, match=r"INVALID_AUTHENTICATION.*private app") as caught:
        crm.contacts.get("1001")
    assert len(sim.requests) == 1  # not retried
    for shown in (caught.value, crm, settings_):
        secret_free(shown, token)


def test_a_malformed_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="is not an http"):
        HubSpot(HubSpotSettings(base_url="not a url", access_token=SecretStr(HUBSPOT_TEST_TOKEN)))


def test_nothing_listening_is_a_transient_error(clock: ManualClock,
                                                secret_free: Callable[[object, str], None]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    crm = HubSpot(HubSpotSettings(base_url=url, access_token=SecretStr(HUBSPOT_TEST_TOKEN)),
                  clock=clock)
    with pytest.raises(TransientError, match="check the base URL") as caught:
        crm.contacts.get("1001")
    assert url in str(caught.value)
    secret_free(caught.value, HUBSPOT_TEST_TOKEN)


def test_settings_of_another_connector_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="needs HubSpotSettings"):
        HubSpot(ConnectorSettings())


# -- over loopback, and the catalog --------------------------------------------------------------


def test_works_over_loopback() -> None:
    sim = HubSpotSimulator(contacts=12)
    with serve_on_loopback(sim.app) as url, sim.connect(url) as crm:
        assert [c.id for c in crm.contacts.list(page_size=5)][-1] == "1012"
        deal = crm.deals.upsert(order_input("L-1"), id_property="shopify_order_id")
        assert crm.deals.get("L-1", id_property="shopify_order_id").id == deal.id


def test_the_catalog_describes_the_operations_honestly() -> None:
    spec = connector_spec(connector_class("hubspot"))
    assert spec.auth_kind == "bearer"
    idempotency = {op.path: op.idempotency for r in spec.resources for op in r.operations}
    assert idempotency["deals.create"] == "none"
    assert idempotency["deals.upsert"] == idempotency["deals.update"] == "upsert_by_external_id"
    assert idempotency["contacts.list"] == "read"
    upsert = spec.operation("deals.upsert")
    assert upsert is not None
    assert upsert.record == "Deal"
    assert [(p.name, p.kind, p.required) for p in upsert.parameters] == [
        ("deal", "positional", True), ("id_property", "keyword", True)]
    assert {"DealInput", "Money"} <= set(spec.records)
