"""A HubSpot simulator: the CRM v3 objects API of one account, in memory, over real HTTP.

It reproduces what HubSpot documents and what integrators have captured: the paths and query
parameters, the `paging.next.after` cursor (absent on the last page), bearer auth with HubSpot's
401 and 403 bodies, its error envelope and validation codes, the 409 on a duplicate unique value,
batch create, update and upsert (by a unique property), each all or nothing, and the ten-second
rolling and daily limits of private apps with the `X-HubSpot-RateLimit-*` headers and HubSpot's 429
body.

It leaves out search, associations, archiving, batch read, property history, pipelines other than
the default one, and custom properties beyond its fixed schema (see `schema.py`): those calls, and
any other path, answer 501 in HubSpot's error envelope, naming the call.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.types import Scope

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.core.ratelimit import RateLimit, SlidingWindow
from connectors.core.simulator import ALL_METHODS, Simulator
from connectors.hubspot.client import HubSpot, HubSpotSettings
from connectors.hubspot.limits import AccountLimits
from connectors.hubspot.simulator import seed as synthetic
from connectors.hubspot.simulator.schema import SCHEMAS
from connectors.hubspot.simulator.store import ApiError, CrmStore

HUBSPOT_TEST_TOKEN = "pat-na1-simulator-test-token-not-a-secret"  # noqa: S105 - fake
"""The simulated private app's token: every scope the connector needs."""
HUBSPOT_READ_ONLY_TOKEN = "pat-na1-simulator-read-only-token-not-a-secret"  # noqa: S105
"""A second simulated private app with only the `crm.objects.*.read` scopes."""

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
_AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 "
                 "authentication and you can find more details at "
                 "https://developers.hubspot.com/docs/methods/auth/oauth-overview")

Access = Literal["read", "write"]


class HubSpotSimulator(Simulator[HubSpot]):
    """HubSpot's CRM v3 objects API for contacts, companies and deals, seeded from `seed`.

    Options for tests: `repeat_cursor` makes the list cursor point back at the page just served;
    `shuffle_batch_results` (on, as HubSpot) returns batch results in no particular order.
    """

    name: ClassVar[str] = "hubspot"
    connector_class: ClassVar[type[Connector]] = HubSpot

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True, contacts: int = 30, companies: int = 10,
                 deals: int = 20, requests_per_window: int = 100, window_seconds: float = 10.0,
                 daily_limit: int = 250_000) -> None:
        self.requests_per_window = requests_per_window
        self.window_seconds = window_seconds
        self.limits = AccountLimits(SlidingWindow(requests_per_window, window_seconds),
                                    daily_limit, clock.now())
        self.repeat_cursor = False
        self.shuffle_batch_results = True
        self._started = clock.now()
        self.store = CrmStore(now=self._now, on_write=self.count_write)
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)
        for object_type, make, count in (("contacts", synthetic.contacts, contacts),
                                         ("companies", synthetic.companies, companies),
                                         ("deals", synthetic.deals, deals)):
            for properties in make(self.rng, count):
                self.add(object_type, properties)

    # -- for tests and flows -------------------------------------------------------------------

    def add(self, object_type: str, properties: dict[str, str]) -> str:
        """Seed one record (checked like a create, not counted as a write); returns its id."""
        with self.lock:
            return self.store.create(object_type, properties, count=False).id

    def stored(self, object_type: str, record_id: str) -> dict[str, str]:
        """A copy of a record's stored properties (KeyError if there is none)."""
        with self.lock:
            return dict(self.store.records[object_type][record_id].properties)

    def find(self, object_type: str, name: str, value: str) -> dict[str, str] | None:
        """A copy of the properties of the record whose `name` is `value`, if any."""
        with self.lock:
            record = self.store.find(object_type, name, value)
            return dict(record.properties) if record is not None else None

    def count(self, object_type: str) -> int:
        """How many records of `object_type` the account holds."""
        with self.lock:
            return len(self.store.records[object_type])

    # -- the Simulator contract ----------------------------------------------------------------

    def settings(self, base_url: str) -> HubSpotSettings:
        """Settings with the simulated private app's token and this account's limit."""
        return HubSpotSettings(base_url=base_url, access_token=SecretStr(HUBSPOT_TEST_TOKEN),
                               requests_per_window=self.requests_per_window,
                               window_seconds=self.window_seconds)

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """Every CRM call counts against the account's limits."""
        return self.limits

    def rate_limit_headers(self, limit: RateLimit, now: float) -> dict[str, str]:
        """HubSpot's `X-HubSpot-RateLimit-*` headers."""
        return {
            "X-HubSpot-RateLimit-Max": str(self.requests_per_window),
            "X-HubSpot-RateLimit-Remaining": str(int(self.limits.remaining(now))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window_seconds * 1000)),
            "X-HubSpot-RateLimit-Daily": str(self.limits.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(self.limits.daily_remaining(now)),
        }

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """HubSpot's 429, naming the policy that was hit."""
        now = self.clock.now()
        daily = self.limits.daily_exhausted(now)
        policy = "DAILY" if daily else "TEN_SECONDLY_ROLLING"
        message = ("You have reached your daily limit." if daily
                   else "You have reached your ten_secondly_rolling limit.")
        headers = self.rate_limit_headers(self.limits, now)
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return headers, {"status": "error", "message": message, "errorType": "RATE_LIMIT",
                         "correlationId": self._correlation_id(), "policyName": policy}

    def server_error_body(self, status: int) -> Any:
        """HubSpot's envelope around an internal error."""
        return {"status": "error", "message": "internal error",
                "correlationId": self._correlation_id()}

    # -- the API -------------------------------------------------------------------------------

    def build_api(self) -> FastAPI:
        """`/crm/v3/objects/{type}`: list, get, create, update and batch create, update and
        upsert."""
        api = FastAPI()
        base = "/crm/v3/objects/{object_type}"

        @api.get(base, response_model=None)
        def list_records(object_type: str, request: Request) -> JSONResponse:
            return self._answer(request, object_type, "read",
                                lambda: (200, self._list(object_type, request)))

        @api.post(base + "/batch/create", response_model=None)
        async def batch_create(object_type: str, request: Request) -> JSONResponse:
            body = await request.body()
            return self._answer(request, object_type, "write",
                                lambda: (201, self._batch_create(object_type, _json(body))))

        @api.post(base + "/batch/update", response_model=None)
        async def batch_update(object_type: str, request: Request) -> JSONResponse:
            body = await request.body()
            return self._answer(request, object_type, "write",
                                lambda: (200, self._batch_update(object_type, _json(body))))

        @api.api_route(base + "/{record_id}/associations/{rest:path}", methods=ALL_METHODS,
                       response_model=None)
        async def associations(request: Request) -> JSONResponse:
            return self.not_simulated(request.method, request.url.path)

        @api.get(base + "/{record_id}", response_model=None)
        def get_record(object_type: str, record_id: str, request: Request) -> JSONResponse:
            def work() -> tuple[int, Any]:
                query = request.query_params
                record = self.store.locate(object_type, record_id, query.get("idProperty"))
                return 200, record.to_json(SCHEMAS[object_type], self._requested(request))
            return self._answer(request, object_type, "read", work)

        @api.post(base, response_model=None)
        async def create_record(object_type: str, request: Request) -> JSONResponse:
            body = await request.body()

            def work() -> tuple[int, Any]:
                properties = _properties_of(_json(body))
                record = self.store.create(object_type, properties)
                return 201, record.to_json(SCHEMAS[object_type], None)
            return self._answer(request, object_type, "write", work)

        @api.patch(base + "/{record_id}", response_model=None)
        async def update_record(object_type: str, record_id: str,
                                request: Request) -> JSONResponse:
            body = await request.body()

            def work() -> tuple[int, Any]:
                id_property = request.query_params.get("idProperty")
                record = self.store.locate(object_type, record_id, id_property)
                key = f"{object_type}:{id_property or 'hs_object_id'}={record_id}"
                properties = _properties_of(_json(body))
                self.store.update(record, object_type, properties, key)
                return 200, record.to_json(SCHEMAS[object_type], None)
            return self._answer(request, object_type, "write", work)

        @api.post(base + "/batch/upsert", response_model=None)
        async def batch_upsert(object_type: str, request: Request) -> JSONResponse:
            body = await request.body()
            return self._answer(request, object_type, "write",
                                lambda: (200, self._upsert(object_type, _json(body))))

        return api

    def _answer(self, request: Request, object_type: str, access: Access,
                work: Callable[[], tuple[int, Any]]) -> JSONResponse:
        with self.lock:
            try:
                self._authorise(request, object_type, access)
                status, payload = work()
            except ApiError as error:
                status, payload = error.status, self._error_body(error)
        return JSONResponse(payload, status_code=status)

    def _authorise(self, request: Request, object_type: str, access: Access) -> None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in (HUBSPOT_TEST_TOKEN, HUBSPOT_READ_ONLY_TOKEN):
            raise ApiError(401, _AUTH_MESSAGE, category="INVALID_AUTHENTICATION")
        if object_type not in SCHEMAS:
            raise ApiError(400, f"Unable to infer object type from: {object_type}",
                           category="VALIDATION_ERROR")
        if access == "write" and token == HUBSPOT_READ_ONLY_TOKEN:
            raise ApiError(403, "This app hasn't been granted all required scopes to make this "
                                "call. Read more about required scopes here: "
                                "https://developers.hubspot.com/scopes.",
                           category="MISSING_SCOPES",
                           context={"requiredGranularScopes": [f"crm.objects.{object_type}.write"]})

    def _error_body(self, error: ApiError) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "error", "message": error.message,
                                "correlationId": self._correlation_id()}
        if error.invalid:
            listed = [{"isValid": False, "message": i.message, "error": i.code, "name": i.name}
                      for i in error.invalid]
            body["message"] = f"{error.message}: {json.dumps(listed, separators=(',', ':'))}"
            body["errors"] = [{"message": i.message, "code": i.code,
                               "context": {"propertyName": [i.name]}} for i in error.invalid]
        elif error.category == "MISSING_SCOPES" and error.context:
            body["errors"] = [{"message": "One or more of the following scopes are required.",
                               "context": error.context}]
            body["links"] = {"scopes": "https://developers.hubspot.com/scopes"}
        elif error.context:
            body["context"] = error.context
        if error.category:
            body["category"] = error.category
        return body

    def _list(self, object_type: str, request: Request) -> dict[str, Any]:
        query = request.query_params
        limit = _integer(query.get("limit", str(DEFAULT_LIMIT)), "limit")
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}, not {limit}",
                           category="VALIDATION_ERROR")
        after = _integer(query.get("after", "0"), "after")
        if query.get("archived") == "true":
            return {"results": []}
        records, following = self.store.page(object_type, after, limit)
        if self.repeat_cursor and following is not None and "after" in query:
            following = query["after"]
        names = self._requested(request)
        body: dict[str, Any] = {"results": [r.to_json(SCHEMAS[object_type], names)
                                            for r in records]}
        if following is not None:
            body["paging"] = {"next": {"after": following,
                                       "link": f"{request.url.path}?after={following}"}}
        return body

    def not_simulated_body(self, method: str, path: str) -> Any:
        """HubSpot's error envelope, with a category no real endpoint answers."""
        return {"status": "error", "message": self.not_simulated_message(method, path),
                "correlationId": self._correlation_id(), "category": "NOT_SIMULATED"}

    def _batch_create(self, object_type: str, body: Any) -> dict[str, Any]:
        started = self._now()
        created = self.store.batch_create(object_type, [_properties_of(i) for i in _inputs(body)])
        return self._batch_answer(object_type, [r.to_json(SCHEMAS[object_type], None)
                                                for r in created], started)

    def _batch_update(self, object_type: str, body: Any) -> dict[str, Any]:
        inputs = _inputs(body)
        if not all(i.get("id") for i in inputs):
            raise ApiError(400, "Invalid input JSON: every input needs an 'id'",
                           category="VALIDATION_ERROR")
        id_properties = {str(i["idProperty"]) for i in inputs if i.get("idProperty")}
        if len(id_properties) > 1:
            raise ApiError(400, "Invalid input JSON: every input needs the same 'idProperty'",
                           category="VALIDATION_ERROR")
        started = self._now()
        updated = self.store.batch_update(object_type, next(iter(id_properties), None),
                                          [(str(i["id"]), _properties_of(i)) for i in inputs])
        return self._batch_answer(object_type, [r.to_json(SCHEMAS[object_type], None)
                                                for r in updated], started)

    def _batch_answer(self, object_type: str, answers: list[dict[str, Any]],
                      started: datetime) -> dict[str, Any]:
        if self.shuffle_batch_results:
            self.rng.shuffle(answers)
        return {"status": "COMPLETE", "results": answers,
                "startedAt": _instant(started), "completedAt": _instant(self._now())}

    def _upsert(self, object_type: str, body: Any) -> dict[str, Any]:
        inputs = _inputs(body)
        id_properties = {str(i.get("idProperty", "")) for i in inputs}
        if len(id_properties) > 1 or not all(i.get("id") for i in inputs):
            raise ApiError(400, "Invalid input JSON: every input needs an 'id' and the same "
                                "'idProperty'", category="VALIDATION_ERROR")
        id_property = id_properties.pop() if id_properties else "hs_object_id"
        started = self._now()
        results = self.store.upsert(object_type, id_property,
                                    [(str(i["id"]), _properties_of(i)) for i in inputs])
        answers = [{**record.to_json(SCHEMAS[object_type], None), "new": new}
                   for record, new in results]
        return self._batch_answer(object_type, answers, started)

    def _requested(self, request: Request) -> list[str]:
        named = ",".join(request.query_params.getlist("properties"))
        names = [n.strip() for n in named.split(",") if n.strip()]
        object_type = request.path_params["object_type"]
        return names or list(SCHEMAS[object_type].defaults)

    def _now(self) -> datetime:
        return synthetic.EPOCH + timedelta(seconds=self.clock.now() - self._started)

    def _correlation_id(self) -> str:
        with self.lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))



def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise ApiError(400, f"Invalid input JSON on line 1, column 1: {exc}",
                       category="VALIDATION_ERROR") from None


def _inputs(body: Any) -> list[dict[str, Any]]:
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise ApiError(400, "Invalid input JSON: 'inputs' must be a list of objects",
                       category="VALIDATION_ERROR")
    return inputs


def _properties_of(payload: Any) -> dict[str, str]:
    properties = payload.get("properties") if isinstance(payload, dict) else None
    if not isinstance(properties, dict):
        raise ApiError(400, "Invalid input JSON: 'properties' must be an object",
                       category="VALIDATION_ERROR")
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in properties.items()}


def _integer(text: str, name: str) -> int:
    if not text.isdigit():
        raise ApiError(400, f"{name} must be a non-negative integer, not {text!r}",
                       category="VALIDATION_ERROR")
    return int(text)
