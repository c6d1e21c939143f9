"""A simulator of Shopify's Admin REST API (2024-10) for orders, customers, products and the shop.

It reproduces what the connector depends on, as Shopify documents it: versioned paths
(`/admin/api/{version}/orders.json`), the `X-Shopify-Access-Token` header and the 401 for a wrong
one, `Link`-header pagination with `page_info` (and the 400 for any filter sent beside it), the
leaky bucket per app and shop (40, draining 2/s) with `X-Shopify-Shop-Api-Call-Limit` on every
answer and Shopify's own 429, and error bodies shaped `{"errors": …}`. Customers and orders can
be created (POST) and updated (PUT) with Shopify's 400 and 422 answers (see `writes.py`). Data is
synthetic and deterministic from the seed (see `seed.py`). Every other Admin API call (deleting,
products and other resources written, GraphQL, …) answers 501 `{"errors": "not simulated: …"}`,
naming the call; a path outside `/admin` gets the storefront's HTML 404, as the shop's domain
would answer it.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import SecretStr
from starlette.types import Scope

from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector
from connectors.core.ratelimit import LeakyBucket, RateLimit
from connectors.core.simulator import ALL_METHODS, Simulator
from connectors.shopify.client import Shopify
from connectors.shopify.errors import CALL_LIMIT_HEADER
from connectors.shopify.settings import DEFAULT_API_VERSION, ShopifySettings
from connectors.shopify.simulator.listing import (
    CUSTOMERS,
    ORDERS,
    PRODUCTS,
    BadRequest,
    Listing,
    paginate,
    parse_limit,
    project,
)
from connectors.shopify.simulator.listing import link_header as make_link_header
from connectors.shopify.simulator.seed import START, ShopSeeder, shop_time
from connectors.shopify.simulator.writes import (
    Unprocessable,
    create_customer,
    create_order,
    root,
    update_customer,
    update_order,
)

SIM_SHOP = "flowbot-sim"
SIM_ACCESS_TOKEN = "shpat_simulator_fake_token_0000000000"  # noqa: S105 - a fake
"""The simulator's access token: obviously fake, accepted only here."""

UNRECOGNISED_LOGIN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = ("Exceeded 2 calls per second for api client. Reduce request rates to resume "
             "uninterrupted service.")
ACCESS_HEADER = "x-shopify-access-token"
VERSION_MONTHS = ("01", "04", "07", "10")

LISTINGS: dict[str, Listing] = {"orders": ORDERS, "customers": CUSTOMERS, "products": PRODUCTS}
SINGULAR = {"orders": "order", "customers": "customer", "products": "product"}
WRITABLE = ("customers", "orders")

STOREFRONT_404 = ("<!DOCTYPE html><html><head><title>Page not found</title></head>"
                  "<body><h1>404 Page Not Found</h1><p>The page you were looking for does not "
                  "exist.</p></body></html>")


def _known_version(version: str) -> bool:
    year, _, month = version.partition("-")
    return version == "unstable" or (year.isdigit() and len(year) == 4
                                     and month in VERSION_MONTHS)


class ShopifySimulator(Simulator[Shopify]):
    """One simulated shop. State lives in `orders`, `customers` and `products` (raw records by
    id, as the API sends them); change it under `lock`, or with the `add_*` methods.

    Test switches: `repeat_cursor` makes every next-page link repeat the current `page_info`
    (a cursor going in a circle); `malformed_pages` answers the next N listings without their
    records list.
    """

    name: ClassVar[str] = "shopify"
    connector_class: ClassVar[type[Connector]] = Shopify

    def __init__(self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK,
                 enforce_rate_limit: bool = True, orders: int = 120, customers: int = 30,
                 products: int = 12, currency: str = "USD", bucket_size: int = 40,
                 leak_per_second: float = 2.0) -> None:
        self.currency = currency
        self.bucket_size = bucket_size
        self.leak_per_second = leak_per_second
        self.seeder = ShopSeeder(_seeded_rng(seed), currency)
        data = self.seeder.shop(customers=customers, products=products, orders=orders)
        self.orders = data.orders
        self.customers = data.customers
        self.products = data.products
        self.shop_record = _shop(currency)
        self.buckets: dict[str, LeakyBucket] = {}
        self.repeat_cursor = False
        self.malformed_pages = 0
        self._origin = clock.now()
        super().__init__(seed=seed, clock=clock, enforce_rate_limit=enforce_rate_limit)

    # -- what tests and flows use --------------------------------------------------------------

    def settings(self, base_url: str) -> ShopifySettings:
        """Settings reaching this simulator at `base_url` with its fake access token."""
        return ShopifySettings(shop=SIM_SHOP, access_token=SecretStr(SIM_ACCESS_TOKEN),
                               base_url=base_url, api_version=DEFAULT_API_VERSION,
                               bucket_size=self.bucket_size,
                               leak_per_second=self.leak_per_second)

    def add_customer(self, **fields: Any) -> dict[str, Any]:
        """Add a synthetic customer, with `fields` overriding the generated values."""
        with self.lock:
            customer = {**self.seeder.customer(), **fields}
            self.customers[customer["id"]] = customer
            return customer

    def add_product(self, **fields: Any) -> dict[str, Any]:
        """Add a synthetic product, with `fields` overriding the generated values."""
        with self.lock:
            product = {**self.seeder.product(len(self.products)), **fields}
            self.products[product["id"]] = product
            return product

    def add_order(self, **fields: Any) -> dict[str, Any]:
        """Add a synthetic order for a known customer and products, `fields` overriding."""
        with self.lock:
            if not self.products:
                self.add_product()
            order = {**self.seeder.order(list(self.customers.values()),
                                         list(self.products.values())), **fields}
            self.orders[order["id"]] = order
            return order

    # -- the base class's hooks ----------------------------------------------------------------

    def rate_limit_for(self, scope: Scope) -> RateLimit | None:
        """One leaky bucket per app and shop, i.e. per access token here."""
        token = next((v.decode("latin-1") for k, v in scope["headers"]
                      if k.decode("latin-1").lower() == ACCESS_HEADER), "")
        with self.lock:
            if token not in self.buckets:
                self.buckets[token] = LeakyBucket(self.bucket_size, self.leak_per_second)
            return self.buckets[token]

    def rate_limited_response(self, retry_after: float | None) -> tuple[dict[str, str], Any]:
        """Shopify's 429: `Retry-After` in seconds with one decimal, the bucket full."""
        wait = math.ceil(retry_after * 10) / 10 if retry_after else 2.0
        return ({"Retry-After": f"{wait:.1f}",
                 CALL_LIMIT_HEADER: f"{self.bucket_size}/{self.bucket_size}"},
                {"errors": THROTTLED})

    def server_error_body(self, status: int) -> Any:
        """Shopify's 5xx body: `{"errors": "Internal Server Error"}` and the like."""
        return {"errors": HTTPStatus(status).phrase}

    def rate_limit_headers(self, limit: RateLimit, now: float) -> dict[str, str]:
        """`X-Shopify-Shop-Api-Call-Limit: used/size`, the used count rounded up."""
        used = math.ceil(round(self.bucket_size - limit.remaining(now), 6))
        return {CALL_LIMIT_HEADER: f"{used}/{self.bucket_size}"}

    # -- the API -------------------------------------------------------------------------------

    def build_api(self) -> FastAPI:
        """Shopify's endpoints: listings, single records, the shop; 404s as Shopify words them."""
        api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        @api.get("/admin/api/{version}/shop.json", response_model=None)
        def shop(request: Request, version: str) -> Response:
            refusal = self._refusal_for(request, version)
            return refusal or self._json({"shop": self.shop_record}, version)

        @api.get("/admin/api/{version}/{resource}.json", response_model=None)
        def listing(request: Request, version: str, resource: str) -> Response:
            refusal = self._refusal_for(request, version, resource, among=LISTINGS)
            return refusal or self._list(request, version, LISTINGS[resource])

        @api.get("/admin/api/{version}/{resource}/{record_id}.json", response_model=None)
        def single(request: Request, version: str, resource: str, record_id: str) -> Response:
            refusal = self._refusal_for(request, version, resource, among=LISTINGS)
            if refusal is not None:
                return refusal
            with self.lock:
                table = self._table(resource)
                record = table.get(int(record_id)) if record_id.isdigit() else None
            if record is None:
                return self._not_found()
            return self._json({SINGULAR[resource]: record}, version)

        @api.post("/admin/api/{version}/{resource}.json", response_model=None)
        async def create(request: Request, version: str, resource: str) -> Response:
            return await self._write(request, version, resource, 201,
                                     lambda given: self._create(resource, given))

        @api.put("/admin/api/{version}/{resource}/{record_id}.json", response_model=None)
        async def update(request: Request, version: str, resource: str,
                         record_id: str) -> Response:
            return await self._write(request, version, resource, 200,
                                     lambda given: self._update(resource, record_id, given))

        @api.api_route("/{path:path}", methods=ALL_METHODS, response_model=None)
        def elsewhere(request: Request, path: str) -> Response:
            if path.startswith("admin/"):
                return self.not_simulated(request.method, request.url.path)
            return HTMLResponse(STOREFRONT_404, status_code=404)

        return api

    def not_simulated_body(self, method: str, path: str) -> Any:
        """Shopify's `{"errors": …}`, saying what is not simulated."""
        return {"errors": self.not_simulated_message(method, path)}

    async def _write(self, request: Request, version: str, resource: str, status: int,
                     work: Callable[[Any], Any]) -> Response:
        """A create or an update: refused as any call is, else `work` applied to the request's
        JSON under the lock, Shopify's 400, 422 and 404 for what it refuses."""
        answered = self._refusal_for(request, version, resource, among=WRITABLE)
        if answered is not None:
            return answered
        given = await request.body()
        with self.lock:
            try:
                body = work(_json(given))
            except BadRequest as bad:
                return JSONResponse({"errors": bad.errors}, status_code=400)
            except Unprocessable as unprocessable:
                return JSONResponse({"errors": unprocessable.errors}, status_code=422)
            except LookupError:
                return self._not_found()
        return JSONResponse(body, status_code=status, headers={"X-Shopify-API-Version": version})

    def _now(self) -> datetime:
        return max(self.seeder.clock, START + timedelta(seconds=self.clock.now() - self._origin))

    def _create(self, resource: str, body: Any) -> dict[str, Any]:
        singular = SINGULAR[resource]
        given = root(body, singular)
        if resource == "customers":
            record = create_customer(self.seeder, self.customers, given)
            record["created_at"] = record["updated_at"] = shop_time(self._now())
        else:
            record = create_order(self.seeder, self.orders, self.customers, self.products,
                                  given, self._now(), self.currency)
        self.count_write(f"{resource}:{record['id']}")
        return {singular: record}

    def _update(self, resource: str, record_id: str, body: Any) -> dict[str, Any]:
        singular = SINGULAR[resource]
        table = self._table(resource)
        record = table.get(int(record_id)) if record_id.isdigit() else None
        if record is None:
            raise LookupError(record_id)
        given = root(body, singular)
        before = dict(record)
        if resource == "customers":
            update_customer(self.customers, record, given, self._now())
        else:
            update_order(record, given, self._now())
        if record != before:
            self.count_write(f"{resource}:{record_id}")
        return {singular: record}

    def _table(self, resource: str) -> dict[int, dict[str, Any]]:
        tables = {"orders": self.orders, "customers": self.customers, "products": self.products}
        return tables.get(resource, {})

    def _refusal_for(self, request: Request, version: str, resource: str | None = None, *,
                     among: Collection[str] = ()) -> Response | None:
        """What Shopify answers instead, if anything: an unknown API version, a wrong token, or
        (for `resource`, when given) a resource not `among` those this endpoint simulates."""
        if not _known_version(version):
            return self._not_found()
        if request.headers.get(ACCESS_HEADER) != SIM_ACCESS_TOKEN:
            return JSONResponse({"errors": UNRECOGNISED_LOGIN}, status_code=401)
        if resource is not None and resource not in among:
            return self.not_simulated(request.method, request.url.path)
        return None

    def _not_found(self) -> JSONResponse:
        return JSONResponse({"errors": "Not Found"}, status_code=404)

    def _json(self, body: Any, version: str, headers: dict[str, str] | None = None) -> Response:
        return JSONResponse(body, headers={"X-Shopify-API-Version": version, **(headers or {})})

    def _list(self, request: Request, version: str, listing: Listing) -> Response:
        query = dict(request.query_params)
        with self.lock:
            try:
                page = paginate(listing, list(self._table(listing.key).values()), query)
                limit = parse_limit(query)
            except BadRequest as refusal:
                return JSONResponse({"errors": refusal.errors}, status_code=400)
            if self.malformed_pages > 0:
                self.malformed_pages -= 1
                return self._json({}, version)
            next_cursor = page.next_cursor
            if self.repeat_cursor and next_cursor and "page_info" in query:
                next_cursor = query["page_info"]
            fields = query.get("fields")
            records = [project(record, fields) for record in page.records]
        url = str(request.url.replace(query=""))
        link = make_link_header(url, page, limit=limit, fields=fields, next_cursor=next_cursor)
        return self._json({listing.key: records}, version, {"Link": link} if link else None)


def _json(body: bytes) -> Any:
    """The request's JSON; a body that is not JSON is Shopify's 400."""
    try:
        return json.loads(body or b"null")
    except ValueError:
        raise BadRequest({"error": "lexical error: invalid char in json text."}) from None


def _seeded_rng(seed: int) -> random.Random:
    """The data's own generator, apart from the fault draws, so faults never change the data."""
    return random.Random(f"shopify-seed-{seed}")


def _shop(currency: str) -> dict[str, Any]:
    return {
        "id": 60_123_456_789, "name": "Flowbot Test Goods", "email": "owner@example.com",
        "domain": f"{SIM_SHOP}.myshopify.com", "myshopify_domain": f"{SIM_SHOP}.myshopify.com",
        "currency": currency, "money_format": "${{amount}}", "iana_timezone": "America/Bogota",
        "timezone": "(GMT-05:00) America/Bogota", "plan_name": "basic",
        "created_at": shop_time(START), "updated_at": shop_time(START),
    }
