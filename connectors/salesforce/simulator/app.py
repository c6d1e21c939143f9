"""A Salesforce simulator: one org's REST API (v61.0 behaviour), in memory, over real HTTP.

It reproduces what Salesforce documents: the OAuth2 token endpoint (client-credentials and
refresh-token grants; the answer has access_token, instance_url, id, token_type, issued_at and
signature but no expires_in), sessions that end after `session_timeout_s` of inactivity with 401
`INVALID_SESSION_ID`, SOQL queries served in batches behind a query locator (`nextRecordsUrl`,
`done`), get / create / update / upsert by external id (201 created, 200 updated, 300 when the
value matches several records), sObject Collections upsert with allOrNone, Salesforce's JSON-array
error bodies and codes, and the daily API allocation over a rolling 24 hours with
`Sforce-Limit-Info` on every answer and 403 `REQUEST_LIMIT_EXCEEDED` when it is used up.

The token endpoint takes the client's credentials in the form or as HTTP Basic (RFC 6749 §2.3.1,
as simple-salesforce sends them). A query's batches follow `Sforce-Query-Options: batchSize=N`
(200 to 2,000; the simulator's `batch_size` caps it, as Salesforce may return smaller batches).
An upsert that updates answers 200 with a body from API v46.0 on, 204 without one before.

It leaves out: SOQL beyond the subset in `soql.py`, describe, delete, queryAll, search, limits,
composite requests other than the collection upsert, the concurrent long-running request limit, and
any Salesforce behaviour of fields and objects beyond the fixed schema in `schema.py` (no triggers,
validation rules or sharing). Those calls, and any other path, answer 501 `NOT_SIMULATED` in
Salesforce's error shape, naming the call.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote, unquote_plus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.core.ratelimit import SlidingWindow
from connectors.core.simulator import Simulator
from connectors.salesforce.client import Salesforce, SalesforceSettings
from connectors.salesforce.limits import DAY_SECONDS, LIMIT_INFO_HEADER, format_api_usage
from connectors.salesforce.simulator.queries import QueryService, record_json
from connectors.salesforce.simulator.schema import org_objects, wire
from connectors.salesforce.simulator.seed import EPOCH, seed_org
from connectors.salesforce.simulator.store import MultipleMatches, OrgStore
from connectors.salesforce.simulator.values import SalesforceFault, not_found

SIM_CLIENT_ID = "3MVG9-simulator-consumer-key-not-a-secret"
SIM_CLIENT_SECRET = "simulator-consumer-secret-not-a-secret"  # noqa: S105 - fake
SIM_REFRESH_TOKEN = "5Aep861-simulator-refresh-token-not-a-secret"  # noqa: S105 - fake
SIM_ORG_ID = "00D5g00000SIMORG"
LATEST_VERSION = 61
LAST_VERSION_UPDATE_204 = 45
"""Up to API v45.0 an upsert that updates answers 204 with no body; from v46.0 200 with one."""
MIN_QUERY_BATCH, MAX_QUERY_BATCH = 200, 2000
JSON_TYPE = "application/json;charset=UTF-8"
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]

Grant = Literal["client_credentials", "refresh_token"]


class SalesforceSimulator(Simulator[Salesforce]):
    """One simulated org, seeded with `records` accounts, contacts, opportunities and invoices.

    Options for tests: `batch_size` (records per query batch, at most 2000), `daily_api_limit`,
    `session_timeout_s`, `multi_currency`, `grant` (which OAuth2 grant `settings()` configures);
    `repeat_cursor` and `omit_next_records_url` break query pagination on purpose;
    `expire_sessions()`, `revoke_credentials()` and `use_api_requests(n)` act as the org would.
    """

    name: ClassVar[str] = "salesforce"
    connector_class: ClassVar[type[Connector]] = Salesforce

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True, records: int = 25, batch_size: int = 2000,
                 daily_api_limit: int = 15_000, session_timeout_s: float = 2 * 60 * 60.0,
                 multi_currency: bool = True, grant: Grant = "client_credentials") -> None:
        self.grant = grant
        self.multi_currency = multi_currency
        self.session_timeout_s = session_timeout_s
        self.allocation = SlidingWindow(daily_api_limit, DAY_SECONDS)
        self.client_secret = SIM_CLIENT_SECRET
        self.sessions: dict[str, float] = {}
        self.token_requests: list[str] = []
        self._started = clock.now()
        self._clock = clock
        seeder = random.Random(seed)
        self.store = OrgStore(org_objects(multi_currency=multi_currency), now=self.org_now,
                              count_write=self.count_write,
                              first_number=seeder.randrange(10**6))
        seed_org(self.store, seeder, records, multi_currency=multi_currency)
        self.queries = QueryService(self.store, now=clock.now, batch_size=batch_size)
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)

    # -- what tests and flows use --------------------------------------------------------------

    def settings(self, base_url: str) -> SalesforceSettings:
        """Settings reaching this org at `base_url` with its fake connected app."""
        refresh = SecretStr(SIM_REFRESH_TOKEN) if self.grant == "refresh_token" else None
        return SalesforceSettings(instance_url=base_url, client_id=SIM_CLIENT_ID,
                                  client_secret=SecretStr(SIM_CLIENT_SECRET),
                                  refresh_token=refresh, multi_currency=self.multi_currency,
                                  daily_api_allocation=self.allocation.limit)

    @property
    def repeat_cursor(self) -> bool:
        """Make every query batch after the first point back at the second one."""
        return self.queries.repeat_cursor

    @repeat_cursor.setter
    def repeat_cursor(self, value: bool) -> None:
        self.queries.repeat_cursor = value

    @property
    def omit_next_records_url(self) -> bool:
        """Leave nextRecordsUrl out of batches that are not done (a broken page)."""
        return self.queries.omit_next_records_url

    @omit_next_records_url.setter
    def omit_next_records_url(self, value: bool) -> None:
        self.queries.omit_next_records_url = value

    def org_now(self) -> datetime:
        """The org's current time: a fixed date plus the time passed on the simulator's clock."""
        return EPOCH + timedelta(seconds=self._clock.now() - self._started)

    def expire_sessions(self) -> None:
        """End every session, as an admin or a timeout would: the next call gets 401."""
        with self.lock:
            self.sessions.clear()

    def revoke_credentials(self) -> None:
        """Give the connected app a new consumer secret: token requests with the old one fail."""
        with self.lock:
            self.client_secret = f"rotated-{self.client_secret}"

    def use_api_requests(self, count: int) -> None:
        """Spend `count` of the daily allocation, as the org's other integrations would."""
        with self.lock:
            for _ in range(count):
                self.allocation.consume(self._clock.now())

    def api_usage(self) -> tuple[int, int]:
        """(used, allocation) of the daily API requests, as Sforce-Limit-Info reports them."""
        with self.lock:
            remaining = self.allocation.remaining(self._clock.now())
            return int(self.allocation.limit - remaining), self.allocation.limit

    def add_record(self, sobject: str, fields: dict[str, Any]) -> str:
        """Store a record as given (typed values, no checks); its new id."""
        with self.lock:
            return str(self.store.insert(sobject, dict(fields))["Id"])

    def set_raw(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """Overwrite stored values without any check, to reproduce bad data in a real org."""
        with self.lock:
            self.store.get(sobject, record_id).update(fields)

    def record(self, sobject: str, record_id: str) -> dict[str, Any]:
        """One stored record as the REST API would send it."""
        with self.lock:
            return {name: wire(value) for name, value in self.store.get(sobject,
                                                                        record_id).items()}

    def records(self, sobject: str) -> list[dict[str, Any]]:
        """Every stored record of `sobject`, in creation order, as the REST API would send them."""
        with self.lock:
            table = self.store.tables[self.store.spec(sobject).name]
            return [{name: wire(value) for name, value in row.items()}
                    for row in table.values()]

    # -- the base's hooks ----------------------------------------------------------------------

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """For injected 429 faults only: Salesforce's REST API refuses with 403, not 429."""
        headers = {"Retry-After": f"{retry_after:.0f}"} if retry_after else {}
        return headers, [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                          "errorCode": "REQUEST_LIMIT_EXCEEDED"}]

    def server_error_body(self, status: int) -> Any:
        """Salesforce's body for a 5xx."""
        return [{"message": "Service temporarily unavailable",
                 "errorCode": "SERVER_UNAVAILABLE"}]

    # -- the API -------------------------------------------------------------------------------

    def build_api(self) -> FastAPI:
        """The token endpoint and the REST resources under /services/data."""
        api = FastAPI()

        @api.post("/services/oauth2/token", response_model=None)
        async def token(request: Request) -> Response:
            form = {key: values[0] for key, values in parse_qs((await request.body())
                                                               .decode()).items()}
            try:
                form.update(basic_client_credentials(request.headers.get("authorization", ""),
                                                     form))
            except ValueError as refused:
                return _oauth_error("invalid_request", str(refused))
            return self._token(form, str(request.base_url).rstrip("/"))

        @api.api_route("/services/data/{rest:path}", methods=["GET", "POST", "PATCH", "PUT",
                                                               "DELETE"], response_model=None)
        async def data(request: Request) -> Response:
            raw_path = request.scope.get("raw_path") or request.url.path.encode()
            segments = [unquote(part) for part in raw_path.decode("latin-1").split("/")[3:]]
            if segments and segments[-1] == "":
                segments.pop()
            return self._rest(request.method, segments, dict(request.query_params),
                              await request.body(), request.headers.get("authorization", ""),
                              request.headers.get("sforce-query-options", ""))

        return api

    def _token(self, form: dict[str, str], instance_url: str) -> Response:
        grant = form.get("grant_type", "")
        with self.lock:
            self.token_requests.append(grant)
            if grant not in ("client_credentials", "refresh_token"):
                return _oauth_error("unsupported_grant_type", "grant type not supported")
            if form.get("client_id") != SIM_CLIENT_ID:
                return _oauth_error("invalid_client_id", "client identifier invalid")
            if form.get("client_secret") != self.client_secret:
                return _oauth_error("invalid_client", "invalid client credentials")
            if grant == "refresh_token" and form.get("refresh_token") != SIM_REFRESH_TOKEN:
                return _oauth_error("invalid_grant", "expired access/refresh token")
            access = f"{SIM_ORG_ID}!AQ.sim{self.rng.getrandbits(64):016x}"
            self.sessions[access] = self._clock.now()
        issued = int(self.org_now().timestamp() * 1000)
        return JSONResponse({"access_token": access, "signature": "c2ltdWxhdGVkLXNpZ25hdHVyZQ==",
                             "scope": "api refresh_token", "instance_url": instance_url,
                             "id": f"{instance_url}/id/{SIM_ORG_ID}/0055g00000SIMUSR",
                             "token_type": "Bearer", "issued_at": str(issued)},
                            media_type=JSON_TYPE)

    def _session_ok(self, authorization: str) -> bool:
        scheme, _, access = authorization.partition(" ")
        now = self._clock.now()
        last = self.sessions.get(access) if scheme.lower() in ("bearer", "oauth") else None
        if last is None:
            return False
        if now - last > self.session_timeout_s:
            del self.sessions[access]
            return False
        self.sessions[access] = now
        return True

    def not_simulated_body(self, method: str, path: str) -> Any:
        """Salesforce's error list, with a code no real resource answers."""
        return [{"message": self.not_simulated_message(method, path),
                 "errorCode": "NOT_SIMULATED"}]

    def _rest(self, method: str, segments: list[str], params: dict[str, str], body: bytes,
              authorization: str, query_options: str = "") -> Response:
        with self.lock:
            if not self._session_ok(authorization):
                return JSONResponse(INVALID_SESSION, status_code=401, media_type=JSON_TYPE)
            now = self._clock.now()
            if self.enforce_rate_limit and self.allocation.remaining(now) <= 0:
                self.stats.rate_limited += 1
                return self._answer(403, [{"message": "TotalRequests Limit exceeded.",
                                           "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
            self.allocation.consume(now)
            try:
                status, payload = self._dispatch(method, segments, params, body,
                                                 query_options)
            except SalesforceFault as fault:
                status, payload = fault.status, fault.errors
            return self._answer(status, payload)

    def _answer(self, status: int, payload: Any) -> Response:
        used, allocation = self.api_usage()
        headers = {LIMIT_INFO_HEADER: format_api_usage(used, allocation)}
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(payload, status_code=status, headers=headers, media_type=JSON_TYPE)

    def _dispatch(self, method: str, segments: list[str], params: dict[str, str],
                  body: bytes, query_options: str) -> tuple[int, Any]:
        version = segments[0] if segments else ""
        digits = version.removeprefix("v").split(".")[0]
        if not (version.startswith("v") and digits.isdigit() and 20 <= int(digits)
                <= LATEST_VERSION):
            raise not_found()
        route = segments[1:]
        if route[:1] == ["query"] and len(route) <= 2:
            _allow(method, "GET")
            if len(route) == 1:
                return 200, self.queries.run(version, params.get("q"),
                                             batch_size_option(query_options))
            return 200, self.queries.more(version, route[1])
        if method == "DELETE" or route[-1:] == ["describe"]:
            raise self._not_simulated(method, segments)
        if route[:1] == ["sobjects"] and len(route) >= 2:
            return self._sobjects(method, version, route[1:], body)
        if route[:2] == ["composite", "sobjects"] and len(route) == 4:
            _allow(method, "PATCH")
            request = _json(body)
            if not isinstance(request, dict):
                raise SalesforceFault.one(400, "JSON_PARSER_ERROR", "expected a JSON object")
            return 200, self.store.upsert_collection(route[2], route[3], request.get("records"),
                                                     bool(request.get("allOrNone", False)))
        raise self._not_simulated(method, segments)

    def _not_simulated(self, method: str, segments: list[str]) -> SalesforceFault:
        path = "/services/data/" + "/".join(segments)
        return SalesforceFault(501, self.not_simulated_body(method, path))

    def _sobjects(self, method: str, version: str, route: list[str],
                  body: bytes) -> tuple[int, Any]:
        sobject = self.store.spec(route[0]).name
        if len(route) == 1:
            _allow(method, "POST")
            record_id = self.store.create(sobject, _json(body))
            return 201, {"id": record_id, "success": True, "errors": []}
        if len(route) == 2:
            _allow(method, "GET", "PATCH")
            if method == "GET":
                return 200, record_json(version, sobject, self.store.get(sobject, route[1]))
            self.store.update(sobject, route[1], _json(body))
            return 204, None
        _allow(method, "GET", "PATCH")
        field, value = route[1], "/".join(route[2:])
        try:
            if method == "GET":
                field = self.store.external_id_field(sobject, field)
                matches = self.store.find(sobject, field, value)
                if len(matches) > 1:
                    raise MultipleMatches([str(row["Id"]) for row in matches])
                if not matches:
                    raise not_found()
                return 200, record_json(version, sobject, matches[0])
            result = self.store.upsert(sobject, field, value, _json(body))
        except MultipleMatches as multiple:
            return 300, [f"/services/data/{version}/sobjects/{sobject}/{record_id}"
                         for record_id in multiple.ids]
        if not result.created and _version_number(version) <= LAST_VERSION_UPDATE_204:
            return 204, None
        return (201 if result.created else 200), {"id": result.id, "success": True,
                                                  "errors": [], "created": result.created}


def _version_number(version: str) -> int:
    return int(version.removeprefix("v").split(".")[0])


def basic_client_credentials(authorization: str, form: dict[str, str]) -> dict[str, str]:
    """`client_id` and `client_secret` from an HTTP Basic header (RFC 6749 §2.3.1: each
    form-urlencoded, then joined by a colon and base64-encoded); none without the header. A
    secret in the body as well is a second method, which the RFC forbids; a `client_id` in the
    body must name the same client."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return {}
    if "client_secret" in form:
        raise ValueError("client credentials given twice: in the Authorization header and in "
                         "the body")
    try:
        client_id, colon, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("the Basic credentials are not base64 of id:secret") from None
    if not colon:
        raise ValueError("the Basic credentials are not base64 of id:secret")
    client_id = unquote_plus(client_id)
    if form.get("client_id", client_id) != client_id:
        raise ValueError("client_id in the body differs from the one in the Authorization header")
    return {"client_id": client_id, "client_secret": unquote_plus(secret)}


def batch_size_option(header: str) -> int | None:
    """The `batchSize` of a `Sforce-Query-Options` header, held to 200-2,000; None if absent."""
    for option in header.split(","):
        name, _, value = option.strip().partition("=")
        if name.strip() == "batchSize" and value.strip().isdigit():
            return min(max(int(value), MIN_QUERY_BATCH), MAX_QUERY_BATCH)
    return None


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise SalesforceFault.one(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not "
                                                             f"allowed. Allowed are "
                                                             f"{','.join(allowed)}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise SalesforceFault.one(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") \
            from None


def _oauth_error(error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=400,
                        media_type=JSON_TYPE)
