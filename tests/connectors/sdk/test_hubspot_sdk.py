"""The HubSpot simulator driven by hubspot-api-client, as an integration written with HubSpot's
own SDK would drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from urllib3.util.retry import Retry

from connectors.hubspot.simulator import HUBSPOT_TEST_TOKEN, HubSpotSimulator
from tests.connectors.sdk.serving import inject, served, stats


@pytest.fixture
def sim() -> HubSpotSimulator:
    return HubSpotSimulator(seed=2, contacts=23, companies=5, deals=7, enforce_rate_limit=False)


@pytest.fixture
def base_url(sim: HubSpotSimulator) -> Iterator[str]:
    with served(sim) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> HubSpot:
    return _client(base_url)


def _client(base_url: str, token: str = HUBSPOT_TEST_TOKEN) -> HubSpot:
    # HubSpot's documented way to honour its 429s: a urllib3 Retry that reads Retry-After.
    retry = Retry(total=3, status_forcelist=(429,), respect_retry_after_header=True,
                  allowed_methods=None, backoff_factor=0)
    return HubSpot(access_token=token, host=base_url, retry=retry)


def _creates(*emails: str) -> BatchInputSimplePublicObjectBatchInputForCreate:
    return BatchInputSimplePublicObjectBatchInputForCreate(inputs=[
        SimplePublicObjectBatchInputForCreate(properties={"email": e, "firstname": e.split("@")[0]})
        for e in emails])


# -- checks, each a function so that it can be run against a broken simulator too --------------


def check_batch_create_writes_every_input(client: HubSpot, sim: HubSpotSimulator) -> None:
    before = sim.count("contacts")
    answer = client.crm.contacts.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create=_creates(
            "ada@example.com", "grace@example.com", "edsger@example.com"))
    assert answer.status == "COMPLETE"
    emails = sorted(r.properties["email"] for r in answer.results)
    assert emails == ["ada@example.com", "edsger@example.com", "grace@example.com"], \
        "batch create did not answer every input"
    assert sim.count("contacts") == before + 3
    for result in answer.results:
        assert sim.stored("contacts", result.id)["email"] == result.properties["email"]


# -- the suite ---------------------------------------------------------------------------------


def test_every_record_is_listed_through_the_sdks_own_paging(
        client: HubSpot, sim: HubSpotSimulator) -> None:
    for n in range(210):  # get_all pages by 100: three pages
        sim.add("contacts", {"email": f"bulk{n}@example.com"})
    contacts = client.crm.contacts.get_all()
    assert sorted(int(c.id) for c in contacts) == sorted(
        int(r) for r in sim.store.records["contacts"])
    assert client.crm.contacts.get_all(limit=4)[3].id == contacts[3].id  # a cap, not a page size
    page = client.crm.contacts.basic_api.get_page(limit=10)
    assert page.paging is not None
    assert page.paging.next.after


def test_batch_create_writes_every_input(client: HubSpot, sim: HubSpotSimulator) -> None:
    check_batch_create_writes_every_input(client, sim)


def test_a_batch_create_with_one_bad_input_writes_nothing(
        client: HubSpot, sim: HubSpotSimulator) -> None:
    taken = sim.add("contacts", {"email": "taken@example.com"})
    before = sim.count("contacts")
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create=_creates(
                "new@example.com", "taken@example.com"))
    assert refused.value.status == 409
    assert f"Existing ID: {taken}" in str(refused.value.body)
    assert sim.count("contacts") == before


def test_batch_update_and_upsert_write_as_the_sdk_writes(
        client: HubSpot, sim: HubSpotSimulator, base_url: str) -> None:
    first = sim.add("contacts", {"email": "lin@example.com", "firstname": "Lin"})
    updated = client.crm.contacts.batch_api.update(
        batch_input_simple_public_object_batch_input=BatchInputSimplePublicObjectBatchInput(
            inputs=[SimplePublicObjectBatchInput(id=first, properties={"lastname": "Wu"})]))
    assert updated.results[0].properties["lastname"] == "Wu"
    upserts = BatchInputSimplePublicObjectBatchInputUpsert(inputs=[
        SimplePublicObjectBatchInputUpsert(id="lin@example.com", id_property="email",
                                           properties={"firstname": "Lin Yi"}),
        SimplePublicObjectBatchInputUpsert(id="mo@example.com", id_property="email",
                                           properties={"firstname": "Mo"})])
    for _ in range(2):  # the second run finds both and changes nothing
        answer = client.crm.contacts.batch_api.upsert(
            batch_input_simple_public_object_batch_input_upsert=upserts)
        assert {r.properties["email"] for r in answer.results} == {"lin@example.com",
                                                                    "mo@example.com"}
    assert sim.find("contacts", "email", "lin@example.com") == {
        **sim.stored("contacts", first), "firstname": "Lin Yi"}
    writes = stats(base_url)["writes"]
    assert writes["contacts:email=mo@example.com"] == 1
    assert writes["contacts:email=lin@example.com"] == 1


def test_a_single_create_and_update_go_through_the_basic_api(
        client: HubSpot, sim: HubSpotSimulator) -> None:
    made = client.crm.contacts.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"email": "kim@example.com"}))
    changed = client.crm.contacts.basic_api.update(
        made.id, simple_public_object_input=SimplePublicObjectInput(
            properties={"firstname": "Kim"}))
    assert changed.properties["firstname"] == "Kim"
    assert sim.stored("contacts", made.id)["firstname"] == "Kim"


def test_errors_are_the_sdks_typed_exception_with_hubspots_envelope(
        client: HubSpot, base_url: str) -> None:
    with pytest.raises(ApiException) as missing:
        client.crm.contacts.basic_api.get_by_id("999999")
    assert missing.value.status == 404
    with pytest.raises(ApiException) as invalid:
        client.crm.contacts.basic_api.create(
            simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
                properties={"email": "not an email"}))
    assert invalid.value.status == 400
    assert '"category":"VALIDATION_ERROR"' in str(invalid.value.body).replace(" ", "")
    with pytest.raises(ApiException) as unauthorised:
        _client(base_url, token="pat-na1-wrong").crm.contacts.basic_api.get_page()
    assert unauthorised.value.status == 401


def test_unsimulated_calls_say_so_with_501(client: HubSpot) -> None:
    with pytest.raises(ApiException) as refused:
        client.crm.contacts.basic_api.archive("1")
    assert refused.value.status == 501
    assert "NOT_SIMULATED" in str(refused.value.body)
    assert "DELETE /crm/v3/objects/contacts/1" in str(refused.value.body)
    with pytest.raises(ApiException) as search:
        client.crm.contacts.search_api.do_search(public_object_search_request={})
    assert search.value.status == 501


def test_a_429_is_retried_by_the_configured_urllib3_retry(
        client: HubSpot, base_url: str) -> None:
    inject(base_url, rate_limit_bursts=1, retry_after="1")
    assert client.crm.contacts.basic_api.get_page(limit=1).results
    assert stats(base_url)["rate_limited"] == 1


def test_the_ten_second_window_is_ridden_out_by_the_configured_retry() -> None:
    tight = HubSpotSimulator(seed=2, contacts=3, companies=1, deals=1, requests_per_window=2,
                             window_seconds=1.0)
    with served(tight) as url:
        client = _client(url)
        for _ in range(4):
            assert client.crm.contacts.basic_api.get_page(limit=1).results
        assert stats(url)["rate_limited"] >= 1


# -- the checks can fail -----------------------------------------------------------------------


class _CreatesOnlyTheFirst(HubSpotSimulator):
    """A wrong batch create, on purpose: only the first input is written."""

    def _batch_create(self, object_type: str, body: Any) -> dict[str, Any]:
        return super()._batch_create(object_type, {"inputs": body["inputs"][:1]})


def test_the_batch_create_check_fails_against_a_simulator_that_drops_inputs() -> None:
    broken = _CreatesOnlyTheFirst(seed=2, contacts=2, companies=1, deals=1,
                                  enforce_rate_limit=False)
    with served(broken) as url, pytest.raises(AssertionError, match="every input"):
        check_batch_create_writes_every_input(_client(url), broken)
