"""The Salesforce simulator driven by simple-salesforce, as an integration written with that SDK
would drive it: its own client-credentials login (HTTP Basic), `query_all`, upserts by external id
and its typed exceptions.

simple-salesforce always logs in at `https://<domain>.salesforce.com`; a requests transport
adapter sends every request to the simulator on loopback instead (the requests stay real HTTP).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connectors.salesforce.simulator import SIM_CLIENT_SECRET, SalesforceSimulator
from connectors.salesforce.simulator.app import SIM_CLIENT_ID
from tests.connectors.sdk.serving import served

VERSION = "61.0"


class _ToLoopback(HTTPAdapter):
    """Sends each request to the simulator, keeping its path, query, headers and body."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        url = urlsplit(str(request.url))
        request.url = f"{self.base_url}{url.path}" + (f"?{url.query}" if url.query else "")
        return super().send(request, *args, **kwargs)


@pytest.fixture
def sim() -> SalesforceSimulator:
    return SalesforceSimulator(seed=4, records=10, enforce_rate_limit=False)


@pytest.fixture
def base_url(sim: SalesforceSimulator) -> Iterator[str]:
    with served(sim) as url:
        yield url


@pytest.fixture
def sf(base_url: str) -> Any:
    return _login(base_url)


def _login(base_url: str, *, secret: str = SIM_CLIENT_SECRET, version: str = VERSION) -> Any:
    """A logged-in client, typed Any: the SDK resolves sObjects (`sf.Account`) dynamically."""
    session = requests.Session()
    adapter = _ToLoopback(base_url)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return Salesforce(consumer_key=SIM_CLIENT_ID, consumer_secret=secret,
                      domain="flowbot-sim.my", session=session, version=version)


def _add_accounts(sim: SalesforceSimulator, count: int) -> None:
    for n in range(count):
        sim.add_record("Account", {"Name": f"Bulk {n:04d}"})


def _first_error(raised: SalesforceError) -> dict[str, Any]:
    """The first of Salesforce's error list, as the SDK kept it."""
    content: Any = raised.content
    first: dict[str, Any] = content[0]
    return first


# -- checks, each a function so that it can be run against a broken simulator too --------------


def check_batch_size_is_honoured(sf: Any, sim: SalesforceSimulator) -> None:
    _add_accounts(sim, 450)
    total = len(sim.records("Account"))
    headers: Mapping[str, str] = {"Sforce-Query-Options": "batchSize=200"}
    first = sf.query("SELECT Id FROM Account", headers=headers)
    assert first["totalSize"] == total
    assert len(first["records"]) == 200, "Sforce-Query-Options: batchSize was ignored"
    ids = [r["Id"] for r in sf.query_all_iter("SELECT Id FROM Account", headers=headers)]
    assert len(ids) == len(set(ids)) == total


# -- the suite ---------------------------------------------------------------------------------


def test_the_sdks_client_credentials_login_uses_http_basic(
        sf: Any, sim: SalesforceSimulator) -> None:
    assert sim.token_requests == ["client_credentials"]
    assert sf.session_id.startswith("00D")
    assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] >= 1


def test_a_wrong_secret_in_basic_auth_is_refused(base_url: str) -> None:
    with pytest.raises(SalesforceAuthenticationFailed, match="invalid_client"):
        _login(base_url, secret="wrong")


@pytest.mark.parametrize(("header", "form", "error"), [
    (("3MVG9-x", "s"), {}, "invalid_client_id"),
    ((SIM_CLIENT_ID, SIM_CLIENT_SECRET), {"client_secret": SIM_CLIENT_SECRET}, "invalid_request"),
    ((SIM_CLIENT_ID, SIM_CLIENT_SECRET), {"client_id": "3MVG9-other"}, "invalid_request"),
    ((SIM_CLIENT_ID, SIM_CLIENT_SECRET), {"client_id": SIM_CLIENT_ID}, None),
    (None, {"client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET}, None),
])
def test_the_token_endpoint_takes_one_client_authentication_method(
        base_url: str, header: tuple[str, str] | None, form: dict[str, str],
        error: str | None) -> None:
    answer = requests.post(f"{base_url}/services/oauth2/token", auth=header, timeout=5,
                           data={"grant_type": "client_credentials", **form})
    if error is None:
        assert answer.status_code == 200
        assert answer.json()["token_type"] == "Bearer"
    else:
        assert answer.status_code == 400
        assert answer.json()["error"] == error


def test_query_all_pages_through_every_record(sf: Any, sim: SalesforceSimulator) -> None:
    sim.queries.batch_size = 7  # the simulator's own cap: batches may be smaller than asked
    every = sf.query_all("SELECT Id, Name FROM Account")
    assert every["done"] is True
    assert sorted(r["Id"] for r in every["records"]) == sorted(
        r["Id"] for r in sim.records("Account"))


def test_batch_size_is_honoured_within_200_to_2000(sf: Any,
                                                   sim: SalesforceSimulator) -> None:
    check_batch_size_is_honoured(sf, sim)
    small = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(small["records"]) == 200  # below the minimum: held to 200


def test_upsert_by_external_id_creates_then_updates(sf: Any,
                                                    sim: SalesforceSimulator) -> None:
    assert sf.Contact.upsert("External_Id__c/ext-1", {"LastName": "Hopper"}) == 201
    assert sf.Contact.upsert("External_Id__c/ext-1", {"FirstName": "Grace"}) == 200
    found = sf.Contact.get_by_custom_id("External_Id__c", "ext-1")
    assert (found["FirstName"], found["LastName"]) == ("Grace", "Hopper")


def test_upsert_update_answers_204_on_api_v45_and_older(base_url: str) -> None:
    old = _login(base_url, version="45.0")
    assert old.Contact.upsert("External_Id__c/ext-2", {"LastName": "Liskov"}) == 201
    assert old.Contact.upsert("External_Id__c/ext-2", {"FirstName": "Barbara"}) == 204
    new = _login(base_url, version="46.0")
    assert new.Contact.upsert("External_Id__c/ext-2", {"FirstName": "B."}) == 200


def test_create_update_and_collection_upsert(sf: Any, sim: SalesforceSimulator) -> None:
    made = sf.Account.create({"Name": "Initech"})
    assert made["success"] is True
    assert sf.Account.update(made["id"], {"Name": "Initrode"}) == 204
    assert sim.record("Account", made["id"])["Name"] == "Initrode"
    answer = sf.restful("composite/sobjects/Contact/External_Id__c", method="PATCH", json={
        "allOrNone": True, "records": [
            {"attributes": {"type": "Contact"}, "External_Id__c": f"c-{n}", "LastName": f"L{n}"}
            for n in range(3)]})
    assert [r["created"] for r in answer] == [True, True, True]


def test_errors_are_the_sdks_typed_exceptions(sf: Any, sim: SalesforceSimulator) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get("001000000000000AAA")
    with pytest.raises(SalesforceMalformedRequest) as malformed:
        sf.query("SELECT Nope FROM Account")
    assert _first_error(malformed.value)["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Account.create({"Phone": "555"})
    assert _first_error(missing.value)["errorCode"] == "REQUIRED_FIELD_MISSING"
    sim.use_api_requests(sim.allocation.limit)
    sim.enforce_rate_limit = True
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.query("SELECT Id FROM Account")
    assert _first_error(refused.value)["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_unsimulated_resources_say_so_with_501(sf: Any) -> None:
    with pytest.raises(SalesforceError) as describe:
        sf.Account.describe()
    assert describe.value.status == 501
    assert _first_error(describe.value)["errorCode"] == "NOT_SIMULATED"
    assert "GET /services/data/v61.0/sobjects/Account/describe" in \
        _first_error(describe.value)["message"]
    with pytest.raises(SalesforceError) as delete:
        sf.Account.delete("001000000000000AAA")
    assert delete.value.status == 501
    with pytest.raises(SalesforceError) as limits:
        sf.limits()
    assert limits.value.status == 501


# -- the checks can fail -----------------------------------------------------------------------


class _IgnoresBatchSize(SalesforceSimulator):
    """The old difference, on purpose: `Sforce-Query-Options` ignored."""

    def _rest(self, method: str, segments: list[str], params: dict[str, str], body: bytes,
              authorization: str, query_options: str = "") -> Any:
        return super()._rest(method, segments, params, body, authorization, "")


def test_the_batch_size_check_fails_against_a_simulator_that_ignores_it() -> None:
    broken = _IgnoresBatchSize(seed=4, records=10, enforce_rate_limit=False)
    with served(broken) as url, pytest.raises(AssertionError, match="batchSize was ignored"):
        check_batch_size_is_honoured(_login(url), broken)
