"""The Salesforce connector against its simulator: queries, writes, auth, limits, bad input."""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from pydantic import ValidationError as PydanticValidationError

from connectors.core.catalog import connector_spec
from connectors.core.clock import ManualClock
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    ConnectorError,
    NotFound,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.retry import RetryPolicy
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan, RecordedRequest
from connectors.core.transport import IN_PROCESS_BASE_URL, InProcessTransport
from connectors.registry import connector_class, simulator_class
from connectors.salesforce import (
    Account,
    AccountInput,
    Contact,
    ContactInput,
    Invoice,
    InvoiceInput,
    Opportunity,
    OpportunityInput,
    RecordsRejected,
    Salesforce,
    SalesforceSettings,
    SObjectRecord,
)
from connectors.salesforce.simulator import (
    SIM_CLIENT_SECRET,
    SIM_REFRESH_TOKEN,
    SalesforceSimulator,
)

API = "/services/data/v61.0"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> SalesforceSimulator:
    return SalesforceSimulator(clock=clock, batch_size=10)


@pytest.fixture
def sf(sim: SalesforceSimulator) -> Salesforce:
    return sim.connect()


def rest(sim: SalesforceSimulator) -> list[RecordedRequest]:
    """The REST calls the simulator saw (token requests left out)."""
    return [r for r in sim.requests if r.path.startswith("/services/data/")]


def soql_of(request: RecordedRequest) -> str:
    return parse_qs(request.query)["q"][0]


def body(request: RecordedRequest) -> Any:
    return json.loads(request.body)


def patient(sf: Salesforce) -> Salesforce:
    """The connector with enough retries for heavy fault injection."""
    assert sf.client is not None
    sf.client.retry = RetryPolicy(max_attempts=60)
    return sf


def repeat(times: int, call: Callable[[], object]) -> None:
    for _ in range(times):
        call()


def invoice(stripe_id: str, **fields: Any) -> InvoiceInput:
    return InvoiceInput(Stripe_Invoice_Id__c=stripe_id, **{"Name": f"INV {stripe_id}", **fields})


def secrets_seen(sim: SalesforceSimulator) -> list[str]:
    """Every credential that crossed the wire: the app's secret, the refresh token, the tokens."""
    tokens = [r.headers["authorization"].partition(" ")[2] for r in sim.requests
              if "authorization" in r.headers]
    return [SIM_CLIENT_SECRET, SIM_REFRESH_TOKEN, *tokens]


def assert_no_secret(sim: SalesforceSimulator, *texts: str) -> None:
    for secret in secrets_seen(sim):
        for text in texts:
            assert secret not in text


# -- queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 7, 2000])
def test_query_reads_every_record_once_in_order_following_next_records_url(
        clock: ManualClock, batch_size: int) -> None:
    sim = SalesforceSimulator(clock=clock, records=23, batch_size=batch_size)
    soql = "SELECT Id, Name FROM Account ORDER BY Name"
    names = [record.Name for record in sim.connect().soql.query(soql)]  # type: ignore[attr-defined]
    assert names == sorted((r["Name"] for r in sim.records("Account")), key=str.casefold)
    calls = rest(sim)
    assert len(calls) == math.ceil(23 / batch_size)
    assert calls[0].path == f"{API}/query"
    assert soql_of(calls[0]) == soql
    for n, later in enumerate(calls[1:], start=1):
        assert later.path.startswith(f"{API}/query/01g")
        assert later.path.endswith(f"-{n * batch_size}")
        assert later.query == ""
    assert all(c.headers["authorization"].startswith("Bearer ") for c in calls)


def test_query_records_are_normalised(sf: Salesforce, sim: SalesforceSimulator) -> None:
    records = list(sf.soql.query("SELECT Id, AnnualRevenue, LastModifiedDate, NumberOfEmployees, "
                                 "CurrencyIsoCode FROM Account"))
    raw = sim.records("Account")
    assert len(records) == len(raw) == 25
    first, stored = records[0], raw[0]
    assert isinstance(first, SObjectRecord)
    assert first.attributes.type == "Account"
    assert first.attributes.url == f"{API}/sobjects/Account/{stored['Id']}"
    assert first.Id == stored["Id"]
    assert len(stored["Id"]) == 18
    extra = first.model_extra or {}
    assert extra["AnnualRevenue"] == Decimal(str(stored["AnnualRevenue"]))
    assert isinstance(extra["AnnualRevenue"], Decimal)
    modified = extra["LastModifiedDate"]
    assert modified.tzinfo == UTC
    assert stored["LastModifiedDate"].endswith("+0000")
    assert modified == datetime.fromisoformat(stored["LastModifiedDate"][:-5] + "+00:00")
    assert extra["NumberOfEmployees"] == stored["NumberOfEmployees"]
    assert extra["CurrencyIsoCode"] in {"USD", "EUR", "GBP"}


def test_soql_subset_filters_orders_and_limits(sf: Salesforce, sim: SalesforceSimulator) -> None:
    stored = sim.records("Opportunity")
    cutoff = sorted(r["LastModifiedDate"] for r in stored)[10]
    soql = (f"select Name, amount from opportunity where Amount > 1000.5 and "
            f"LastModifiedDate >= {cutoff[:19]}Z and StageName != 'closed lost' "
            "order by AMOUNT desc limit 5")
    got = [(r.Name, (r.model_extra or {})["Amount"]) for r in sf.soql.query(soql)]  # type: ignore[attr-defined]
    expected = sorted(((r["Name"], Decimal(str(r["Amount"]))) for r in stored
                       if r["Amount"] > 1000.5 and r["LastModifiedDate"][:19] >= cutoff[:19]
                       and r["StageName"] != "Closed Lost"), key=lambda p: p[1], reverse=True)
    assert got == expected[:5]
    assert got


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name LIKE 'A%'", "MALFORMED_QUERY"),
    ("SELECT COUNT() FROM Account", "MALFORMED_QUERY"),
    ("SELECT Account.Name FROM Contact", "MALFORMED_QUERY"),
    ("SELECT * FROM Account", "MALFORMED_QUERY"),
    ("SELECT Nme FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Acount", "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE LastModifiedDate > '2024-01-01'", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
])
def test_soql_the_simulator_refuses_is_a_validation_error_with_salesforces_code(
        sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(ValidationFailed, match=code) as caught:
        list(sf.soql.query(soql))
    assert caught.value.status == 400


@pytest.mark.parametrize(("resource", "model", "count"), [
    ("accounts", Account, 25), ("contacts", Contact, 25), ("opportunities", Opportunity, 25),
    ("invoices", Invoice, 25),
])
def test_typed_list_selects_the_model_fields_oldest_change_first(
        sf: Salesforce, sim: SalesforceSimulator, resource: str, model: type[Any],
        count: int) -> None:
    records = list(getattr(sf, resource).list())
    assert len(records) == count
    assert all(isinstance(r, model) for r in records)
    modified = [r.LastModifiedDate for r in records]
    assert modified == sorted(modified)
    assert all(m.tzinfo == UTC for m in modified)
    assert soql_of(rest(sim)[0]) == (f"SELECT {', '.join(model.soql_fields())} FROM "
                                     f"{model.sobject_type} ORDER BY LastModifiedDate ASC")


def test_typed_list_since_a_moment_floors_it_to_the_second(sf: Salesforce,
                                                            sim: SalesforceSimulator) -> None:
    everything = list(sf.invoices.list())
    since = everything[12].LastModifiedDate + timedelta(microseconds=1)
    newer = list(sf.invoices.list(modified_since=since, limit=100))
    floor = since.replace(microsecond=0)
    assert [i.Id for i in newer] == [i.Id for i in everything if i.LastModifiedDate >= floor]
    assert newer[0].Id == everything[12].Id  # same second: returned again, never missed
    assert soql_of([r for r in rest(sim) if r.query][-1]).endswith(
        f"WHERE LastModifiedDate >= {floor:%Y-%m-%dT%H:%M:%S}Z ORDER BY LastModifiedDate ASC "
        "LIMIT 100")


def test_typed_records_normalise_dates_and_money(sf: Salesforce, sim: SalesforceSimulator) -> None:
    opportunity = next(iter(sf.opportunities.list(limit=1)))
    stored = sim.record("Opportunity", opportunity.Id)
    assert isinstance(opportunity.CloseDate, date)
    assert opportunity.CloseDate.isoformat() == stored["CloseDate"]
    assert opportunity.Amount == Decimal(str(stored["Amount"]))
    assert opportunity.CurrencyIsoCode == stored["CurrencyIsoCode"]


def test_a_single_currency_org_has_no_currency_code(clock: ManualClock) -> None:
    sim = SalesforceSimulator(clock=clock, records=2, multi_currency=False)
    settings = sim.settings(IN_PROCESS_BASE_URL).model_copy(update={"multi_currency": True})
    wrong = Salesforce(settings, transport=InProcessTransport(sim.app), clock=clock)
    with pytest.raises(ValidationFailed, match="set multi_currency=False"):
        list(wrong.accounts.list())
    sf = sim.connect()
    assert [a.CurrencyIsoCode for a in sf.accounts.list()] == [None, None]
    assert "CurrencyIsoCode" not in soql_of(rest(sim)[-1])
    with pytest.raises(ValidationFailed, match="No such column 'CurrencyIsoCode'"):
        sf.accounts.create(AccountInput(Name="Solo", CurrencyIsoCode="EUR"))


# -- single records ------------------------------------------------------------------------------


def test_get_by_18_or_15_character_id(sf: Salesforce, sim: SalesforceSimulator) -> None:
    stored = sim.records("Contact")[3]
    for record_id in (stored["Id"], stored["Id"][:15]):
        contact = sf.contacts.get(record_id)
        assert (contact.Id, contact.Email, contact.AccountId) == (
            stored["Id"], stored["Email"], stored["AccountId"])
    assert [r.path for r in rest(sim)] == [f"{API}/sobjects/Contact/{stored['Id']}",
                                           f"{API}/sobjects/Contact/{stored['Id'][:15]}"]


def test_get_of_an_unknown_id_is_not_found(sf: Salesforce) -> None:
    with pytest.raises(NotFound, match="NOT_FOUND: The requested resource does not exist"):
        sf.accounts.get("001000000000000AAA")


@pytest.mark.parametrize("call", [
    lambda sf: sf.accounts.get("../../limits"),
    lambda sf: sf.accounts.update("001", AccountInput(Name="x")),
    lambda sf: sf.invoices.upsert(InvoiceInput(Name="no key")),
    lambda sf: sf.invoices.get_by_external_id(""),
    lambda sf: list(sf.accounts.list(modified_since=datetime(2024, 1, 1))),
    lambda sf: list(sf.accounts.list(limit=0)),
    lambda sf: sf.invoices.upsert_many([invoice(str(n)) for n in range(201)], all_or_none=True),
])
def test_bad_arguments_are_refused_before_sending(sf: Salesforce, sim: SalesforceSimulator,
                                                  call: Callable[[Salesforce], Any]) -> None:
    with pytest.raises(ValidationFailed, match="not sent"):
        call(sf)
    assert rest(sim) == []


def test_get_by_external_id_and_a_value_shared_by_several_records(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    stored = sim.records("Invoice__c")[4]
    found = sf.invoices.get_by_external_id(stored["Stripe_Invoice_Id__c"])
    assert found.Id == stored["Id"]
    twins = [sim.add_record("Account", {"Name": f"Twin {n}", "External_Id__c": "cus_twin"})
             for n in range(2)]
    with pytest.raises(Conflict, match="matches 2 records") as caught:
        sf.accounts.get_by_external_id("cus_twin")
    assert all(twin in str(caught.value) for twin in twins)


# -- writes --------------------------------------------------------------------------------------


def test_upsert_creates_then_updates_the_same_record(sf: Salesforce,
                                                     sim: SalesforceSimulator) -> None:
    first = sf.invoices.upsert(invoice("in_1A", Amount__c=Decimal("120.50"), Status__c="Open",
                                       CurrencyIsoCode="EUR", Due_Date__c=date(2024, 7, 1)))
    again = sf.invoices.upsert(invoice("in_1A", Status__c="Paid"))
    assert first.created
    assert not again.created
    assert first.id == again.id
    calls = rest(sim)
    assert [(c.method, c.path) for c in calls] == [
        ("PATCH", f"{API}/sobjects/Invoice__c/Stripe_Invoice_Id__c/in_1A")] * 2
    assert body(calls[0]) == {"Name": "INV in_1A", "Amount__c": 120.5, "Status__c": "Open",
                              "CurrencyIsoCode": "EUR", "Due_Date__c": "2024-07-01"}
    stored = sim.record("Invoice__c", first.id)
    assert (stored["Status__c"], stored["Amount__c"], stored["Stripe_Invoice_Id__c"]) == (
        "Paid", 120.5, "in_1A")
    assert sim.stats.writes == {"Invoice__c/Stripe_Invoice_Id__c/in_1a": 2}
    sf.invoices.upsert(invoice("in_1A", Status__c="Paid"))  # changes nothing: not a write
    assert sim.stats.writes == {"Invoice__c/Stripe_Invoice_Id__c/in_1a": 2}


def test_upsert_of_a_value_several_records_share_is_a_conflict(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    twins = [sim.add_record("Account", {"Name": f"Twin {n}", "External_Id__c": "cus_dup"})
             for n in range(2)]
    with pytest.raises(Conflict, match="neither created nor updated") as caught:
        sf.accounts.upsert(AccountInput(Name="Merged", External_Id__c="cus_dup"))
    assert all(f"{API}/sobjects/Account/{twin}" in str(caught.value) for twin in twins)
    assert caught.value.status == 300
    assert not sim.stats.writes


def test_upsert_by_a_custom_external_id_field(sf: Salesforce, sim: SalesforceSimulator) -> None:
    with pytest.raises(NotFound, match="Provided external ID field does not exist"):
        sf.accounts.upsert(AccountInput(Name="x", custom_fields={"Erp_Id__c": "E-1"}),
                           external_id_field="Erp_Id__c")
    assert rest(sim)[-1].path == f"{API}/sobjects/Account/Erp_Id__c/E-1"
    assert body(rest(sim)[-1]) == {"Name": "x"}


def test_create_answers_the_new_id_and_is_not_retried_after_a_drop(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    created = sf.contacts.create(ContactInput(LastName="Okafor", Email="amaka@mail.example"))
    assert sim.record("Contact", created.id)["Email"] == "amaka@mail.example"
    sim.faults = FaultPlan(drops_after_processing=1)
    with pytest.raises(TransientError, match="RemoteProtocolError"):
        sf.contacts.create(ContactInput(LastName="Berg"))
    assert [r.method for r in rest(sim)] == ["POST", "POST"]
    assert sum(c["LastName"] == "Berg" for c in sim.records("Contact")) == 1


@pytest.mark.parametrize(("write", "error", "code", "field"), [
    (lambda sf: sf.invoices.create(InvoiceInput(Stripe_Invoice_Id__c="in_x")),
     ValidationFailed, "REQUIRED_FIELD_MISSING", "Name"),
    (lambda sf: sf.opportunities.create(OpportunityInput(Name="Deal")),
     ValidationFailed, "REQUIRED_FIELD_MISSING", "CloseDate"),
    (lambda sf: sf.contacts.create(ContactInput(LastName="x", Email="not-an-email")),
     ValidationFailed, "INVALID_EMAIL_ADDRESS", "Email"),
    (lambda sf: sf.contacts.create(ContactInput(LastName="x", AccountId="001000000000000")),
     ValidationFailed, "INVALID_CROSS_REFERENCE_KEY", "AccountId"),
    (lambda sf: sf.contacts.create(ContactInput(LastName="x", AccountId="nope")),
     ValidationFailed, "MALFORMED_ID", "AccountId"),
    (lambda sf: sf.opportunities.create(OpportunityInput(
        Name="Deal", StageName="Won?", CloseDate=date(2024, 9, 1))),
     ValidationFailed, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "StageName"),
    (lambda sf: sf.accounts.create(AccountInput(Name="x", custom_fields={"Region__c": "EU"})),
     ValidationFailed, "INVALID_FIELD", None),
    (lambda sf: sf.invoices.create(invoice("IN_AAA")), Conflict, "DUPLICATE_VALUE", None),
])
def test_salesforce_refusals_become_the_right_error_naming_the_field(
        sf: Salesforce, sim: SalesforceSimulator, write: Callable[[Salesforce], Any],
        error: type[ConnectorError], code: str, field: str | None) -> None:
    sim.add_record("Invoice__c", {"Name": "Existing", "Stripe_Invoice_Id__c": "in_aaa"})
    with pytest.raises(error, match=code) as caught:
        write(sf)
    if field is not None:
        assert isinstance(caught.value, ValidationFailed)
        assert field in [e.field for e in caught.value.field_errors]
    assert not sim.stats.writes


def test_update_patches_only_the_set_fields_and_is_retried_after_a_drop(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    stored = sim.records("Account")[0]
    sf.accounts.get(stored["Id"])
    sim.faults = FaultPlan(drops_after_processing=1)
    assert sf.accounts.update(stored["Id"], AccountInput(Phone="+1 555 0199", Website=None)) \
        is None
    after = sim.record("Account", stored["Id"])
    assert (after["Phone"], after["Website"], after["Name"]) == ("+1 555 0199", None,
                                                                 stored["Name"])
    calls = rest(sim)[1:]
    assert [c.method for c in calls] == ["PATCH", "PATCH"]
    assert body(calls[0]) == {"Phone": "+1 555 0199", "Website": None}
    assert sum(sim.stats.writes.values()) == 1


def test_update_of_an_unknown_record_is_not_found_and_creates_nothing(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    with pytest.raises(NotFound):
        sf.accounts.update("001000000000000AAA", AccountInput(Name="Ghost"))
    assert len(sim.records("Account")) == 25


def test_upsert_many_sends_collections_of_200_in_input_order(sf: Salesforce,
                                                             sim: SalesforceSimulator) -> None:
    inputs = [invoice(f"in_{n:04d}", Amount__c=Decimal(n)) for n in range(450)]
    outcomes = sf.invoices.upsert_many(inputs)
    assert [o.external_id for o in outcomes] == [f"in_{n:04d}" for n in range(450)]
    assert all(o.success and o.created for o in outcomes)
    calls = rest(sim)
    assert [c.path for c in calls] == [f"{API}/composite/sobjects/Invoice__c/"
                                       "Stripe_Invoice_Id__c"] * 3
    assert [len(body(c)["records"]) for c in calls] == [200, 200, 50]
    assert body(calls[0])["allOrNone"] is False
    assert body(calls[0])["records"][1] == {"attributes": {"type": "Invoice__c"},
                                            "Name": "INV in_0001", "Amount__c": 1,
                                            "Stripe_Invoice_Id__c": "in_0001"}
    again = sf.invoices.upsert_many(inputs)
    assert [o.id for o in again] == [o.id for o in outcomes]
    assert not any(o.created for o in again)
    assert set(sim.stats.writes.values()) == {1}
    assert len(sim.stats.writes) == 450


@pytest.mark.parametrize("all_or_none", [False, True])
def test_upsert_many_names_each_refused_record(sf: Salesforce, sim: SalesforceSimulator,
                                               all_or_none: bool) -> None:
    inputs = [invoice("in_ok1"), InvoiceInput(Stripe_Invoice_Id__c="in_bad"),
              invoice("in_ok2", Status__c="Paid")]
    with pytest.raises(RecordsRejected, match="refused 1 of 3 Invoice__c records") as caught:
        sf.invoices.upsert_many(inputs, all_or_none=all_or_none)
    rejected = caught.value
    assert [(e.field, e.message.split(":")[0]) for e in rejected.field_errors] == [
        ("in_bad.Name", "REQUIRED_FIELD_MISSING")]
    assert [o.success for o in rejected.outcomes] == [not all_or_none, False, not all_or_none]
    written = {r["Stripe_Invoice_Id__c"] for r in sim.records("Invoice__c")}
    if all_or_none:
        assert "nothing was written" in str(rejected)
        assert rejected.outcomes[0].errors[0].status_code == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        assert not {"in_ok1", "in_ok2"} & written
        assert not sim.stats.writes
    else:
        assert "the other 2 were written" in str(rejected)
        assert {"in_ok1", "in_ok2"} <= written
        assert len(sim.stats.writes) == 2


@pytest.mark.parametrize("make", [
    lambda: AccountInput.model_validate({"Nme": "Typo"}),
    lambda: AccountInput(custom_fields={"Region": "EU"}),
    lambda: InvoiceInput(custom_fields={"Paid_At__c": datetime(2024, 1, 1)}),
    lambda: InvoiceInput(Amount__c=Decimal("0.1234567890123456789")),
    lambda: InvoiceInput(Status__c="Settled"),
])
def test_inputs_refuse_misspelt_fields_and_values_salesforce_cannot_take(
        make: Callable[[], object]) -> None:
    with pytest.raises(PydanticValidationError):
        make()


def test_custom_fields_are_sent_beside_the_typed_ones() -> None:
    paid = datetime(2024, 3, 1, 12, tzinfo=UTC)
    sent = invoice("in_c", custom_fields={"Paid_At__c": paid, "Fee__c": Decimal("1.25"),
                                          "Refunded__c": False}).body()
    assert sent == {"Name": "INV in_c", "Stripe_Invoice_Id__c": "in_c",
                    "Paid_At__c": "2024-03-01T12:00:00+00:00", "Fee__c": 1.25,
                    "Refunded__c": False}


# -- faults, properties --------------------------------------------------------------------------


fault_rates = st.floats(0, 0.3)


@settings(max_examples=30, deadline=None)
@given(count=st.integers(0, 60), batch_size=st.integers(1, 25), p_rate_limit=fault_rates,
       p_server_error=fault_rates, p_drop=fault_rates, seed=st.integers(0, 1000))
def test_property_faulty_queries_yield_every_record_once_in_order(
        count: int, batch_size: int, p_rate_limit: float, p_server_error: float, p_drop: float,
        seed: int) -> None:
    sim = SalesforceSimulator(clock=ManualClock(), seed=seed, records=count,
                              batch_size=batch_size)
    expected = [r["Id"] for r in sim.records("Contact")]
    sim.faults = FaultPlan(p_rate_limit=p_rate_limit, p_server_error=p_server_error,
                           p_drop=p_drop, retry_after="1")
    ids = [c.Id for c in patient(sim.connect()).soql.query("SELECT Id FROM Contact")]
    assert ids == expected


@settings(max_examples=30, deadline=None)
@given(keys=st.lists(st.integers(1, 10_000), min_size=1, max_size=25, unique=True),
       batch=st.booleans(), p_drop=st.floats(0, 0.5), p_server_error=fault_rates,
       p_rate_limit=fault_rates, seed=st.integers(0, 1000))
def test_property_retried_upserts_never_write_twice(
        keys: list[int], batch: bool, p_drop: float, p_server_error: float,
        p_rate_limit: float, seed: int) -> None:
    sim = SalesforceSimulator(clock=ManualClock(), seed=seed, records=0)
    sim.faults = FaultPlan(p_drop=p_drop, p_server_error=p_server_error,
                           p_rate_limit=p_rate_limit, retry_after="1")
    sf = patient(sim.connect())
    inputs = [invoice(f"in_{n}", Amount__c=Decimal(n)) for n in keys]
    for _ in range(2):  # the flow runs again: nothing more is written
        if batch:
            sf.invoices.upsert_many(inputs)
        else:
            for one in inputs:
                sf.invoices.upsert(one)
    assert sim.stats.writes == {f"Invoice__c/Stripe_Invoice_Id__c/in_{n}": 1 for n in keys}
    assert len(sim.records("Invoice__c")) == len(keys)


def test_a_repeating_next_records_url_is_a_protocol_error_not_a_hang(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    sim.repeat_cursor = True
    with pytest.raises(ProtocolError, match="went in a circle"):
        list(sf.soql.query("SELECT Id FROM Account"))
    assert len(rest(sim)) == 2  # the repeat is caught before it is sent


def test_a_batch_not_done_without_a_next_url_is_a_protocol_error(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    sim.omit_next_records_url = True
    with pytest.raises(ProtocolError, match="'done' is false but there is no 'nextRecordsUrl'"):
        list(sf.accounts.list())


def test_a_record_missing_a_required_field_is_a_protocol_error_naming_it(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    broken = sim.records("Account")[2]["Id"]
    sim.set_raw("Account", broken, {"Name": None})
    for read in (lambda: sf.accounts.get(broken), lambda: list(sf.accounts.list())):
        with pytest.raises(ProtocolError, match=r"cannot read.*Name"):
            read()


def test_an_expired_query_locator_is_reported(sf: Salesforce, sim: SalesforceSimulator,
                                              clock: ManualClock) -> None:
    pages = sf.soql.query("SELECT Id FROM Account")
    next(iter(pages))
    clock.advance(16 * 60)
    with pytest.raises(ValidationFailed, match="INVALID_QUERY_LOCATOR"):
        list(pages)


# -- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grant", "form"), [
    ("client_credentials", {"grant_type": "client_credentials"}),
    ("refresh_token", {"grant_type": "refresh_token", "refresh_token": SIM_REFRESH_TOKEN}),
])
def test_one_token_serves_every_call_for_either_grant(clock: ManualClock, grant: str,
                                                      form: dict[str, str]) -> None:
    sim = SalesforceSimulator(clock=clock, grant=grant)  # type: ignore[arg-type]
    sf = sim.connect()
    list(sf.accounts.list())
    sf.invoices.upsert(invoice("in_t"))
    tokens = [r for r in sim.requests if r.path == "/services/oauth2/token"]
    assert len(tokens) == 1
    assert tokens[0].method == "POST"
    sent = {k: v[0] for k, v in parse_qs(tokens[0].body.decode()).items()}
    assert sent == {**form, "client_id": sim.settings("x").client_id,
                    "client_secret": SIM_CLIENT_SECRET}
    assert all(SIM_CLIENT_SECRET not in str(r.headers) + r.query for r in rest(sim))


@pytest.mark.parametrize("status", [503, 429])
def test_a_token_endpoint_outage_is_retried_even_before_a_create(sim: SalesforceSimulator,
                                                                 status: int) -> None:
    sim.faults = FaultPlan(server_errors=2 if status == 503 else 0,
                           rate_limit_bursts=2 if status == 429 else 0, retry_after=None)
    sf = sim.connect()
    created = sf.accounts.create(AccountInput(Name="After the outage"))
    assert sim.token_requests == ["client_credentials"]  # the two refused ones never got in
    assert [r.path for r in sim.requests].count("/services/oauth2/token") == 3
    assert [r.method for r in rest(sim)] == ["POST"]
    assert sim.record("Account", created.id)["Name"] == "After the outage"


def test_an_inactive_session_is_renewed_exactly_once(sf: Salesforce, sim: SalesforceSimulator,
                                                     clock: ManualClock) -> None:
    sf.accounts.get(sim.records("Account")[0]["Id"])
    clock.advance(sim.session_timeout_s + 1)
    assert sf.accounts.get(sim.records("Account")[1]["Id"]).Name
    assert len(sim.token_requests) == 2
    assert [r.headers["authorization"] == rest(sim)[0].headers["authorization"]
            for r in rest(sim)] == [True, True, False]


@settings(max_examples=30, deadline=None)
@given(actions=st.lists(st.sampled_from(["read", "write", "query", "expire"]), max_size=12))
def test_property_each_expired_session_costs_exactly_one_refresh(actions: list[str]) -> None:
    sim = SalesforceSimulator(clock=ManualClock(), records=3, batch_size=2)
    sf = sim.connect()
    expected_tokens, expired = 0, True
    for n, action in enumerate(actions):
        if action == "expire":
            sim.expire_sessions()
            expired = True
            continue
        if action == "read":
            sf.accounts.get(sim.records("Account")[0]["Id"])
        elif action == "write":
            sf.invoices.upsert(invoice(f"in_{n}"))
        else:
            assert len(list(sf.soql.query("SELECT Id FROM Invoice__c"))) >= 3
        expected_tokens += expired
        expired = False
    assert len(sim.token_requests) == expected_tokens


def test_a_refused_refresh_is_an_auth_error_after_one_attempt(
        sf: Salesforce, sim: SalesforceSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    list(sf.accounts.list())
    sim.expire_sessions()
    sim.revoke_credentials()
    with pytest.raises(AuthError, match="token endpoint refused") as caught:
        sf.accounts.get(sim.records("Account")[0]["Id"])
    assert len(sim.token_requests) == 2
    assert "invalid_client" in str(caught.value)
    assert_no_secret(sim, str(caught.value), repr(caught.value), caplog.text)


@pytest.mark.parametrize("change", [
    {"client_secret": SecretStr("wrong-consumer-secret")},
    {"refresh_token": SecretStr("5Aep861-revoked-refresh-token")},
    {"client_id": "3MVG9-unknown-app"},
])
def test_wrong_credentials_are_an_auth_error_that_shows_no_secret(
        sim: SalesforceSimulator, clock: ManualClock, caplog: pytest.LogCaptureFixture,
        change: dict[str, Any]) -> None:
    caplog.set_level(logging.DEBUG)
    settings = sim.settings(IN_PROCESS_BASE_URL).model_copy(update=change)
    sf = Salesforce(settings, transport=InProcessTransport(sim.app), clock=clock)
    with pytest.raises(AuthError, match="token endpoint refused") as caught:
        list(sf.accounts.list())
    assert rest(sim) == []
    assert len(sim.token_requests) == 1
    wrong = [v.get_secret_value() for v in change.values() if isinstance(v, SecretStr)]
    for text in (str(caught.value), repr(caught.value), caplog.text, repr(settings)):
        assert all(secret not in text for secret in [*secrets_seen(sim), *wrong])


def test_a_session_the_org_refuses_outright_is_not_refreshed_in_a_loop(
        sf: Salesforce, sim: SalesforceSimulator) -> None:
    sf.accounts.get(sim.records("Account")[0]["Id"])
    original = sim._session_ok
    sim._session_ok = lambda authorization: False  # type: ignore[method-assign]
    try:
        with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
            sf.accounts.get(sim.records("Account")[0]["Id"])
    finally:
        sim._session_ok = original  # type: ignore[method-assign]
    assert len(sim.token_requests) == 2  # one refresh, then the 401 is believed


# -- the daily API allocation --------------------------------------------------------------------


def test_the_throttle_refuses_before_the_allocation_runs_out_without_waiting(
        clock: ManualClock) -> None:
    sim = SalesforceSimulator(clock=clock, daily_api_limit=100)
    sf = sim.connect()
    record_id = sim.records("Account")[0]["Id"]
    start = clock.now()
    with pytest.raises(RateLimited, match="used 95 of its 100 API requests") as caught:
        repeat(200, lambda: sf.accounts.get(record_id))
    assert len(rest(sim)) == 95  # 5 % kept for the org's other integrations
    assert sim.stats.rate_limited == 0
    assert sim.api_usage() == (95, 100)
    assert clock.now() == start
    assert clock.slept == []
    assert "rolling 24-hour window" in str(caught.value)
    clock.advance(24 * 60 * 60)
    assert sf.accounts.get(record_id).Id == record_id  # the window has rolled on


def test_the_throttle_believes_sforce_limit_info_when_others_share_the_org(
        clock: ManualClock) -> None:
    sim = SalesforceSimulator(clock=clock, daily_api_limit=200)
    settings = sim.settings(IN_PROCESS_BASE_URL).model_copy(
        update={"daily_api_allocation": 15_000})
    sf = Salesforce(settings, transport=InProcessTransport(sim.app), clock=clock)
    sim.use_api_requests(180)
    record_id = sim.records("Account")[0]["Id"]
    with pytest.raises(RateLimited, match="used 190 of its 200"):
        repeat(50, lambda: sf.accounts.get(record_id))
    assert len(rest(sim)) == 10
    assert sim.stats.rate_limited == 0
    assert rest(sim)[0].headers["authorization"].startswith("Bearer ")


def test_salesforces_own_request_limit_exceeded_is_rate_limited_and_not_retried(
        clock: ManualClock) -> None:
    sim = SalesforceSimulator(clock=clock, daily_api_limit=50)
    sim.use_api_requests(50)
    settings = sim.settings(IN_PROCESS_BASE_URL).model_copy(
        update={"daily_api_allocation": 100_000, "daily_api_reserve": 0.0})
    sf = Salesforce(settings, transport=InProcessTransport(sim.app), clock=clock)
    with pytest.raises(RateLimited, match="REQUEST_LIMIT_EXCEEDED: TotalRequests Limit") as caught:
        list(sf.accounts.list())
    assert caught.value.status == 403
    assert len(rest(sim)) == 1
    assert sim.stats.rate_limited == 1
    with pytest.raises(RateLimited, match="not sent"):  # the header taught the throttle
        list(sf.accounts.list())
    assert len(rest(sim)) == 1


def test_every_answer_reports_the_usage(sf: Salesforce, sim: SalesforceSimulator) -> None:
    assert sf.client is not None
    assert sf.client.throttle is not None
    list(sf.contacts.list())
    list(sf.contacts.list())
    assert sim.api_usage() == (6, 15_000)
    assert sf.client.throttle.limit.remaining(sim.clock.now()) == 15_000 - 6


def test_concurrent_callers_never_exceed_the_allocation(clock: ManualClock) -> None:
    sim = SalesforceSimulator(clock=clock, daily_api_limit=60)
    sf = sim.connect()
    record_id = sim.records("Account")[0]["Id"]
    refused: list[ConnectorError] = []

    def worker() -> None:
        try:
            for _ in range(20):
                sf.accounts.get(record_id)
        except RateLimited as exc:
            refused.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(refused) == 6
    assert len(rest(sim)) == 57
    assert sim.stats.rate_limited == 0


# -- bad configuration and bad answers -----------------------------------------------------------


def test_html_error_pages_are_retried_then_a_transient_error(
        sf: Salesforce, sim: SalesforceSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    list(sf.accounts.list(limit=1))
    sim.faults = FaultPlan(html_errors=10)
    with pytest.raises(TransientError, match="502") as caught:
        list(sf.accounts.list())
    assert "<html>" in str(caught.value)
    assert_no_secret(sim, str(caught.value), repr(caught.value), caplog.text)


def test_a_web_page_instead_of_the_token_endpoint_is_a_clear_auth_error(
        clock: ManualClock) -> None:
    page = FastAPI()

    @page.api_route("/{anything:path}", methods=["GET", "POST"])
    def website() -> HTMLResponse:
        return HTMLResponse("<html><body>Welcome to our website</body></html>")

    sim = SalesforceSimulator(clock=clock)
    sf = Salesforce(sim.settings(IN_PROCESS_BASE_URL), transport=InProcessTransport(page),
                    clock=clock)
    with pytest.raises(AuthError, match="without an access_token") as caught:
        sf.accounts.get("001000000000000AAA")
    assert SIM_CLIENT_SECRET not in str(caught.value)


@pytest.mark.parametrize("change", [
    {"instance_url": "not a url"},
    {"instance_url": "salesforce.com"},
    {"token_url": "ftp://login.salesforce.com/services/oauth2/token"},
])
def test_a_malformed_url_is_a_configuration_error(sim: SalesforceSimulator,
                                                  change: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="http"):
        Salesforce(sim.settings("https://acme.my.salesforce.com").model_copy(update=change))


def test_nothing_listening_is_a_transient_error(sim: SalesforceSimulator,
                                                clock: ManualClock) -> None:
    settings = sim.settings(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientError, match="could not be reached") as caught:
        Salesforce(settings, clock=clock).accounts.get("001000000000000AAA")
    assert SIM_CLIENT_SECRET not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize("version", ["45.0", "sixty", "61"])
def test_unsupported_api_versions_are_refused(sim: SalesforceSimulator, version: str) -> None:
    with pytest.raises(PydanticValidationError, match="api_version"):
        SalesforceSettings(**{**sim.settings("https://x.example").model_dump(),
                              "client_secret": SecretStr("s"), "api_version": version})


def test_works_over_loopback() -> None:
    sim = SalesforceSimulator(records=5, batch_size=2)
    with serve_on_loopback(sim.app) as url, sim.connect(url) as sf:
        assert len(list(sf.contacts.list())) == 5
        result = sf.invoices.upsert(invoice("in_with/slash and space"))
        assert sf.invoices.get_by_external_id("in_with/slash and space").Id == result.id
        assert sim.record("Invoice__c", result.id)["Stripe_Invoice_Id__c"] == \
            "in_with/slash and space"


def test_the_catalog_describes_the_operations_honestly() -> None:
    assert connector_class("salesforce") is Salesforce
    assert simulator_class("salesforce") is SalesforceSimulator
    spec = connector_spec(Salesforce)
    assert spec.auth_kind == "oauth2"
    assert "no per-second limit" in spec.rate_limit.lower()
    assert [r.name for r in spec.resources] == ["soql", "accounts", "contacts", "opportunities",
                                                "invoices"]
    upsert = spec.operation("invoices.upsert")
    assert upsert is not None
    assert upsert.idempotency == "upsert_by_external_id"
    assert [(p.name, p.default, p.kind) for p in upsert.parameters] == [
        ("invoice", None, "positional"),
        ("external_id_field", "Stripe_Invoice_Id__c", "keyword")]
    create = spec.operation("contacts.create")
    assert create is not None
    assert create.idempotency == "none"
    assert create.writes
    query = spec.operation("soql.query")
    assert query is not None
    assert query.record == "SObjectRecord"
    assert query.many
    assert {s.name for s in spec.settings if s.secret} == {"client_secret", "refresh_token"}
    assert "Stripe_Invoice_Id__c" in [f.name for f in spec.records["InvoiceInput"].fields]
