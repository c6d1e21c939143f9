"""A Stripe API simulator: customers, invoices and charges as Stripe documents them.

It reproduces Stripe's v1 wire behaviour for these resources: bearer (or basic) auth with Stripe's
401 bodies; form-encoded writes, refusing unknown parameters; lists newest first with `limit`,
`starting_after`, `ending_before` and `has_more`; the `created[…]`, `email`, `customer` and
`status` filters; `expand[]` on every endpoint (`customer` and `invoice` ids on charges and
invoices, `data.…` inside lists); Stripe's error object; and its idempotency layer — a key's first
result is kept for 24 hours and replayed (`Idempotent-Replayed: true`) without writing again, the
same key with other parameters is an `idempotency_error`. Reads and writes each have their own
token bucket at the test-mode limit (25 per second), with Stripe's 429 body and no rate-limit
headers. Search (`/v1/<objects>/search`, which the connector does not offer) and every other
endpoint it does not simulate answer 501 in Stripe's error shape, naming the call.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.types import Scope

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.core.ratelimit import LeakyBucket, RateLimit
from connectors.core.simulator import Simulator
from connectors.stripe.client import TEST_MODE_REQUESTS_PER_SECOND, Stripe, StripeSettings
from connectors.stripe.simulator import seed as synthetic
from connectors.stripe.simulator.expansion import expand, split_expand
from connectors.stripe.simulator.idempotency_layer import IdempotencyLayer, fingerprint
from connectors.stripe.simulator.wire import (
    CREATED_FILTERS,
    CUSTOMER_FIELDS,
    LIST_PARAMS,
    StripeApiError,
    check_key,
    created_matcher,
    customer_changes,
    form_pairs,
    invalid,
    is_expand,
    list_page,
    merged_metadata,
    no_such,
    presented_key,
    query_params,
)

SIMULATOR_SECRET_KEY = "sk_test_flowbot_simulator_fake_key_0000"  # noqa: S105 - a fake
"""The simulator's test-mode key: obviously fake, accepted only here."""
DEFAULT_API_VERSION = "2024-06-20"
EMBEDDED_LINES = 10
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$")


class StripeSimulator(Simulator[Stripe]):
    """Stripe in memory. See the module docstring for what it reproduces.

    Test switches: `repeat_cursor` (a `starting_after` cursor is ignored and `has_more` stays
    true, for the loop guard) and `keys_in_use` (the next N keyed writes answer 409
    `idempotency_key_in_use`, as when a concurrent request holds the key).
    """

    name: ClassVar[str] = "stripe"
    connector_class: ClassVar[type[Connector]] = Stripe

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True, customers: int = 25, invoices: int = 40,
                 charges: int = 40,
                 requests_per_second: float = TEST_MODE_REQUESTS_PER_SECOND) -> None:
        self._data_rng = random.Random(seed)
        self._clock_at_start = clock.now()
        self._objects: dict[str, dict[str, dict[str, Any]]] = {
            "customer": {}, "invoice": {}, "charge": {}}
        self._deleted_customers: set[str] = set()
        self.idempotency = IdempotencyLayer()
        self._request_count = 0
        self.read_bucket = LeakyBucket(requests_per_second, requests_per_second)
        self.write_bucket = LeakyBucket(requests_per_second, requests_per_second)
        self.repeat_cursor = False
        self.keys_in_use = 0
        self._seed_objects(customers, invoices, charges)
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)

    # -- state: seeding and inspection -----------------------------------------------------------

    def _epoch_now(self) -> int:
        return synthetic.SIMULATED_NOW + int(self.clock.now() - self._clock_at_start)

    def _seed_objects(self, customers: int, invoices: int, charges: int) -> None:
        if (invoices and not customers) or (charges and not invoices):
            raise ValueError("invoices need customers and charges need invoices to pay")
        rng, latest = self._data_rng, synthetic.SIMULATED_NOW - 1
        for i in range(customers):
            self._store("customer", synthetic.customer(
                rng, created=synthetic.SEED_START + i * 3600 + rng.randint(0, 3599)))
        people = list(self._objects["customer"].values())
        for number in range(1, invoices + 1):
            owner = rng.choice(people)
            created = min(owner["created"] + rng.randint(1, 60 * synthetic.DAY), latest)
            self._store("invoice", synthetic.invoice(rng, customer=owner, created=created,
                                                     number=number))
        bills = list(self._objects["invoice"].values())
        for _ in range(charges):
            bill = rng.choice(bills)
            created = min(bill["created"] + rng.randint(60, 3 * synthetic.DAY), latest)
            self._store("charge", synthetic.charge(rng, invoice=bill, created=created))

    def _store(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        """Keep `record` (callers hold the lock once the simulator is built)."""
        self._objects[kind][record["id"]] = record
        return record

    def add_customer(self, **fields: Any) -> dict[str, Any]:
        """Seed one customer now; `fields` override the generated ones. Returns Stripe's view."""
        with self.lock:
            record = self._store("customer", synthetic.customer(
                self._data_rng, created=fields.pop("created", self._epoch_now()), **fields))
            return copy.deepcopy(record)

    def add_invoice(self, customer_id: str, *, lines: int | None = None,
                    **fields: Any) -> dict[str, Any]:
        """Seed an invoice of `customer_id` with `lines` lines (1-4 if None); `fields` override."""
        with self.lock:
            owner = self._objects["customer"][customer_id]
            number = len(self._objects["invoice"]) + 1
            record = self._store("invoice", synthetic.invoice(
                self._data_rng, customer=owner, created=fields.pop("created", self._epoch_now()),
                number=number, lines=lines, **fields))
            return self._public("invoice", record)

    def add_charge(self, invoice_id: str, **fields: Any) -> dict[str, Any]:
        """Seed a charge paying `invoice_id`; `fields` override. Returns Stripe's view."""
        with self.lock:
            bill = self._objects["invoice"][invoice_id]
            record = self._store("charge", synthetic.charge(
                self._data_rng, invoice=bill, created=fields.pop("created", self._epoch_now()),
                **fields))
            return copy.deepcopy(record)

    def delete_customer(self, customer_id: str) -> None:
        """Delete a customer, as from the dashboard: lists skip it, retrieving it answers
        Stripe's `{"id": …, "object": "customer", "deleted": true}` stub."""
        with self.lock:
            del self._objects["customer"][customer_id]
            self._deleted_customers.add(customer_id)

    def listing(self, kind: str) -> list[dict[str, Any]]:
        """Every `kind` ('customer', 'invoice', 'charge') as Stripe lists them: newest first."""
        with self.lock:
            return [self._public(kind, r) for r in self._ordered(kind)]

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        """One object as Stripe shows it, or None."""
        with self.lock:
            record = self._objects[kind].get(object_id)
            return None if record is None else self._public(kind, record)

    def _ordered(self, kind: str) -> list[dict[str, Any]]:
        """Newest first; objects created in the same second keep the reverse of their insertion."""
        records = list(self._objects[kind].values())
        order = {id(r): i for i, r in enumerate(records)}
        return sorted(records, key=lambda r: (r["created"], order[id(r)]), reverse=True)

    def _public(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        view = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if kind == "invoice":
            lines = record["_lines"]
            view["lines"] = {"object": "list", "data": copy.deepcopy(lines[:EMBEDDED_LINES]),
                             "has_more": len(lines) > EMBEDDED_LINES, "total_count": len(lines),
                             "url": f"/v1/invoices/{record['id']}/lines"}
        return view

    # -- what the base class asks for ------------------------------------------------------------

    def settings(self, base_url: str) -> StripeSettings:
        """Settings that reach this simulator with its test key (so, test-mode limits)."""
        return StripeSettings(base_url=base_url, secret_key=SecretStr(SIMULATOR_SECRET_KEY))

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """Reads and writes count against separate buckets, as at Stripe."""
        return self.read_bucket if scope["method"] in {"GET", "HEAD"} else self.write_bucket

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """Stripe's 429: no Retry-After and no rate-limit headers, only the error body."""
        return {}, StripeApiError(
            429, "rate_limit_error", "Too many requests hit the API too quickly. We recommend an "
            "exponential backoff of your requests.", code="rate_limit").body()

    def server_error_body(self, status: int) -> Any:
        """Stripe's `api_error`."""
        return StripeApiError(status, "api_error", "An unknown error occurred").body()

    # -- the HTTP API ----------------------------------------------------------------------------

    def build_api(self) -> FastAPI:
        """Stripe's endpoints for customers, invoices and charges."""
        api = FastAPI()

        @api.exception_handler(StripeApiError)
        async def stripe_error(_request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, StripeApiError)
            return self._respond(exc.body(), exc.status, exc.headers)

        def read(path: str, handler: Callable[[Request], dict[str, Any]]) -> None:
            async def endpoint(request: Request) -> JSONResponse:
                version = self._admit(request)
                with self.lock:
                    return self._respond(handler(request), version=version)
            api.add_api_route(path, endpoint, methods=["GET"])

        @api.api_route("/v1/{objects}/search", methods=["GET", "POST"], response_model=None)
        async def search(request: Request) -> JSONResponse:
            self._admit(request)
            return self.not_simulated(request.method, request.url.path)

        read("/v1/customers", lambda r: self._list(r, "customer", ("email",)))
        read("/v1/customers/{object_id}", lambda r: self._retrieve(r, "customer"))
        read("/v1/invoices", lambda r: self._list(r, "invoice", ("customer", "status")))
        read("/v1/invoices/{object_id}", lambda r: self._retrieve(r, "invoice"))
        read("/v1/invoices/{object_id}/lines", self._invoice_lines)
        read("/v1/charges", lambda r: self._list(r, "charge", ("customer",)))
        read("/v1/charges/{object_id}", lambda r: self._retrieve(r, "charge"))

        @api.post("/v1/customers", response_model=None)
        async def create_customer(request: Request) -> JSONResponse:
            return await self._write(request, self._create_customer)

        @api.post("/v1/customers/{object_id}", response_model=None)
        async def update_customer(request: Request, object_id: str) -> JSONResponse:
            return await self._write(
                request, lambda pairs, key: self._update_customer(object_id, pairs, key))

        return api

    def not_simulated_body(self, method: str, path: str) -> Any:
        """Stripe's error object, with a code no real endpoint answers."""
        return StripeApiError(501, "invalid_request_error",
                              self.not_simulated_message(method, path),
                              code="not_simulated").body()

    def not_simulated(self, method: str, path: str) -> JSONResponse:
        """The 501, with `Stripe-Should-Retry: false` so that Stripe's SDKs do not ask again."""
        return self._respond(self.not_simulated_body(method, path), 501,
                             {"Stripe-Should-Retry": "false"})

    def _respond(self, body: dict[str, Any], status: int = 200,
                 headers: dict[str, str] | None = None, *,
                 version: str = DEFAULT_API_VERSION) -> JSONResponse:
        with self.lock:
            self._request_count += 1
            request_id = f"req_sim{self._request_count:010d}"
        return JSONResponse(body, status_code=status, headers={
            "Request-Id": request_id, "Stripe-Version": version, **(headers or {})})

    def _admit(self, request: Request) -> str:
        """Check the key (bearer, or basic with the key as user) and the API version."""
        check_key(presented_key(request), SIMULATOR_SECRET_KEY)
        version = request.headers.get("stripe-version", DEFAULT_API_VERSION)
        if not _API_VERSION.match(version):
            raise invalid(f"Invalid Stripe API version: {version}")
        return version

    # -- reads -----------------------------------------------------------------------------------

    def _expanded(self, request: Request, kind: str, view: dict[str, Any],
                  paths: list[str] | None = None) -> dict[str, Any]:
        """`view` with the request's `expand[]` paths (or `paths`) expanded."""
        wanted = paths if paths is not None else [
            value for name, value in request.query_params.multi_items() if is_expand(name)]
        expand(view, kind, wanted, self._lookup)
        return view

    def _lookup(self, kind: str, object_id: str) -> dict[str, Any] | None:
        record = self._objects[kind].get(object_id)
        return None if record is None else self._public(kind, record)

    def _list(self, request: Request, kind: str, filters: tuple[str, ...]) -> dict[str, Any]:
        params = query_params(request, (*LIST_PARAMS, *CREATED_FILTERS, *filters))
        status = params.get("status")
        if status is not None and status not in INVOICE_STATUSES:
            raise invalid(f"Invalid status: must be one of {', '.join(INVOICE_STATUSES[:-1])}, "
                          f"or {INVOICE_STATUSES[-1]}", param="status")
        in_period = created_matcher(params)

        def matches(record: dict[str, Any]) -> bool:
            return in_period(record) and all(
                record.get(name) == params[name] for name in filters if name in params)

        page = list_page(params, self._ordered(kind), kind, matches,
                         repeat_cursor=self.repeat_cursor)
        return self._expanded(request, kind, {
            "object": "list", "data": [self._public(kind, r) for r in page.data],
            "has_more": page.has_more, "url": f"/v1/{kind}s"})

    def _retrieve(self, request: Request, kind: str) -> dict[str, Any]:
        query_params(request, ())
        object_id = request.path_params["object_id"]
        record = self._objects[kind].get(object_id)
        if kind == "customer" and object_id in self._deleted_customers:
            return {"id": object_id, "object": "customer", "deleted": True}
        if record is None:
            raise no_such(kind, object_id, param="id")
        return self._expanded(request, kind, self._public(kind, record))

    def _invoice_lines(self, request: Request) -> dict[str, Any]:
        params = query_params(request, LIST_PARAMS)
        invoice_id = request.path_params["object_id"]
        record = self._objects["invoice"].get(invoice_id)
        if record is None:
            raise no_such("invoice", invoice_id, param="invoice")
        page = list_page(params, record["_lines"], "line item", lambda _: True,
                         repeat_cursor=self.repeat_cursor)
        return self._expanded(request, "line_item", {
            "object": "list", "data": copy.deepcopy(page.data), "has_more": page.has_more,
            "url": f"/v1/invoices/{invoice_id}/lines"})

    # -- writes and the idempotency layer --------------------------------------------------------

    async def _write(self, request: Request,
                     execute: Callable[[list[tuple[str, str]], str | None], dict[str, Any]]
                     ) -> JSONResponse:
        """Run a write through Stripe's idempotency layer.

        Parameter validation runs before a result is saved, so a refused request saves nothing;
        once the endpoint has run, its result is the key's answer for 24 hours.
        """
        version = self._admit(request)
        pairs = await form_pairs(request)
        key = request.headers.get("idempotency-key")
        fields, paths = split_expand(pairs)

        def run(_pairs: list[tuple[str, str]], key: str | None) -> dict[str, Any]:
            return self._expanded(request, "customer", execute(fields, key), paths)

        if key is None:
            with self.lock:
                return self._respond(run(pairs, None), version=version)
        IdempotencyLayer.check_key(key)
        path, request_fingerprint = request.url.path, fingerprint(pairs)
        with self.lock:
            now = self.clock.now()
            saved = self.idempotency.replay(key, path, request_fingerprint, now)
            if saved is not None:
                return self._respond(saved, version=version,
                                     headers={"Idempotent-Replayed": "true"})
            if self.keys_in_use > 0:
                self.keys_in_use -= 1
                raise StripeApiError(
                    409, "idempotency_error", "There is currently another in-progress request "
                    "using this Stripe-Account + Idempotency-Key combination. Please try again "
                    "later.", code="idempotency_key_in_use",
                    headers={"Stripe-Should-Retry": "true"})
            body = run(pairs, key)
            self.idempotency.save(key, path, request_fingerprint, body, now)
            return self._respond(body, version=version)

    def _create_customer(self, pairs: list[tuple[str, str]], key: str | None) -> dict[str, Any]:
        fields, metadata, _ = customer_changes(pairs)
        given = {name: fields.get(name) for name in CUSTOMER_FIELDS}
        merged = merged_metadata({}, metadata, False)
        record = self._store("customer", synthetic.customer(
            self._data_rng, created=self._epoch_now(), metadata=merged, **given))
        self.count_write(key or record["id"])
        return self._public("customer", record)

    def _update_customer(self, object_id: str, pairs: list[tuple[str, str]],
                         key: str | None) -> dict[str, Any]:
        record = self._objects["customer"].get(object_id)
        if record is None:
            raise no_such("customer", object_id, param="id")
        fields, metadata, reset = customer_changes(pairs)
        merged = merged_metadata(record["metadata"], metadata, reset)
        record.update(fields)
        record["metadata"] = merged
        self.count_write(key or object_id)
        return self._public("customer", record)
