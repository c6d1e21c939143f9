"""The Shopify connector: Admin REST API orders, customers, products and the shop.

Everything a flow would otherwise have to get right by itself is handled here: the access-token
header, `Link`-header pagination with the filters dropped after the first page, the leaky-bucket
limit (throttled before sending, corrected from `X-Shopify-Shop-Api-Call-Limit`), retries, and
records with string ids, UTC times and prices as `Money`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import httpx
from pydantic import BeforeValidator, Field, StringConstraints

from connectors.core.auth import ApiKeyAuth
from connectors.core.client import HttpClient
from connectors.core.clock import SYSTEM_CLOCK, Clock
from connectors.core.connector import Connector, ConnectorSettings, Resource
from connectors.core.operations import operation
from connectors.core.ratelimit import LeakyBucket, Throttle
from connectors.core.records import UtcDateTime, to_string_id
from connectors.shopify.checks import NAME, arguments_checked, parse_record, single_record
from connectors.shopify.errors import SHOPIFY_CONVENTIONS, read_call_limit
from connectors.shopify.pagination import ShopLinkPaginator
from connectors.shopify.records import (
    CURRENCY_CONTEXT_KEY,
    Customer,
    Order,
    Product,
    Shop,
)
from connectors.shopify.settings import ShopifySettings

MAX_PAGE_SIZE = 250

ShopifyId = Annotated[str, BeforeValidator(to_string_id), StringConstraints(pattern=r"^[0-9]+$")]
"""A Shopify record id: digits, as a string (an int is accepted too)."""

PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
"""Records per request: Shopify's `limit`, 1 to 250. It does not cap how many are returned."""

def _time_filters(**bounds: datetime | None) -> dict[str, str]:
    return {name: value.isoformat() for name, value in bounds.items() if value is not None}


class _ShopifyResource(Resource):
    """Shared listing and fetching for Shopify's `GET /{plural}.json` and `/{plural}/{id}.json`."""

    def _paginate(self, path: str, key: str, params: Mapping[str, Any]) -> Iterator[Any]:
        paginator = ShopLinkPaginator(origin=self._client.base_url)
        return self._client.paginate(path, paginator=paginator, records_path=key, params=params)

    def _fetch(self, path: str, key: str) -> Any:
        _, body = self._client.request("GET", path)
        return single_record(body, key, path)


class ShopResource(_ShopifyResource):
    """The shop: its name, currency and time zone."""

    def __init__(self, client: HttpClient) -> None:
        super().__init__(client)
        self._lock = threading.Lock()
        self._currency: str | None = None

    @operation()
    def get(self) -> Shop:
        """Fetch the shop's details (`GET /shop.json`)."""
        shop = parse_record(Shop, self._fetch("/shop.json", "shop"), path="/shop.json")
        with self._lock:
            self._currency = shop.currency
        return shop

    def currency(self) -> str:
        """The shop's currency, fetched once and remembered (product prices are in it)."""
        with self._lock:
            if self._currency is not None:
                return self._currency
        return self.get().currency


class OrdersResource(_ShopifyResource):
    """Orders placed in the shop."""

    @operation(quirks=(
        "Shopify's own default is status=open; this operation defaults to 'any' so that closed "
        "(archived) and cancelled orders are not silently left out.",
        "Newest orders come first.",
        "Without the read_all_orders scope Shopify returns only the last 60 days of orders.",
    ))
    @arguments_checked
    def list(self, *, status: Literal["open", "closed", "cancelled", "any"] = "any",
             financial_status: Literal["authorized", "pending", "paid", "partially_paid",
                                       "refunded", "voided", "partially_refunded", "unpaid",
                                       "any"] = "any",
             fulfillment_status: Literal["shipped", "partial", "unshipped", "unfulfilled",
                                         "any"] = "any",
             created_at_min: UtcDateTime | None = None,
             created_at_max: UtcDateTime | None = None,
             updated_at_min: UtcDateTime | None = None,
             updated_at_max: UtcDateTime | None = None,
             page_size: PageSize = MAX_PAGE_SIZE) -> Iterator[Order]:
        """List orders matching the filters, newest first, every page.

        `status`: open, closed (archived), cancelled or any. `financial_status`: paid, pending,
        refunded… ('unpaid' means authorized or partially paid). `fulfillment_status`: shipped
        (fulfilled), partial, unshipped (nothing fulfilled), unfulfilled (unshipped or partial).
        Time bounds are inclusive and must be timezone-aware; `updated_at_min` is the cursor for
        incremental syncs.
        """
        params: dict[str, Any] = {"status": status, "limit": page_size}
        if financial_status != "any":
            params["financial_status"] = financial_status
        if fulfillment_status != "any":
            params["fulfillment_status"] = fulfillment_status
        params |= _time_filters(created_at_min=created_at_min, created_at_max=created_at_max,
                                updated_at_min=updated_at_min, updated_at_max=updated_at_max)
        return (parse_record(Order, raw, path="/orders.json")
                for raw in self._paginate("/orders.json", "orders", params))

    @operation()
    @arguments_checked
    def get(self, order_id: ShopifyId) -> Order:
        """Fetch one order by its id (not its '#1001' name); NotFound if there is none."""
        path = f"/orders/{order_id}.json"
        return parse_record(Order, self._fetch(path, "order"), path=path)


class CustomersResource(_ShopifyResource):
    """The shop's customers."""

    @operation(quirks=("Customers come in ascending id order (oldest first).",))
    @arguments_checked
    def list(self, *, created_at_min: UtcDateTime | None = None,
             created_at_max: UtcDateTime | None = None,
             updated_at_min: UtcDateTime | None = None,
             updated_at_max: UtcDateTime | None = None,
             page_size: PageSize = MAX_PAGE_SIZE) -> Iterator[Customer]:
        """List customers, oldest first, every page.

        Time bounds are inclusive and must be timezone-aware; `updated_at_min` is the cursor for
        incremental syncs.
        """
        params: dict[str, Any] = {"limit": page_size}
        params |= _time_filters(created_at_min=created_at_min, created_at_max=created_at_max,
                                updated_at_min=updated_at_min, updated_at_max=updated_at_max)
        return (parse_record(Customer, raw, path="/customers.json")
                for raw in self._paginate("/customers.json", "customers", params))

    @operation()
    @arguments_checked
    def get(self, customer_id: ShopifyId) -> Customer:
        """Fetch one customer by id; NotFound if there is none."""
        path = f"/customers/{customer_id}.json"
        return parse_record(Customer, self._fetch(path, "customer"), path=path)


class ProductsResource(_ShopifyResource):
    """The shop's products and their variants."""

    def __init__(self, client: HttpClient, *, currency: Callable[[], str]) -> None:
        super().__init__(client)
        self._currency = currency

    @operation(quirks=(
        "Variant prices come without a currency; the connector fetches the shop's currency "
        "once (GET /shop.json) to make them Money.",
        "Products come in ascending id order (oldest first).",
    ))
    @arguments_checked
    def list(self, *, status: Literal["active", "archived", "draft"] | None = None,
             vendor: str | None = None, product_type: str | None = None,
             created_at_min: UtcDateTime | None = None,
             updated_at_min: UtcDateTime | None = None,
             page_size: PageSize = MAX_PAGE_SIZE) -> Iterator[Product]:
        """List products with their variants, oldest first, every page.

        `status`: active, archived or draft (all three when None). `vendor` and `product_type`
        match exactly. Time bounds are inclusive and must be timezone-aware.
        """
        params: dict[str, Any] = {"limit": page_size}
        for name, value in (("status", status), ("vendor", vendor),
                            ("product_type", product_type)):
            if value is not None:
                params[name] = value
        params |= _time_filters(created_at_min=created_at_min, updated_at_min=updated_at_min)
        return self._products(params)

    def _products(self, params: Mapping[str, Any]) -> Iterator[Product]:
        context = {CURRENCY_CONTEXT_KEY: self._currency()}
        for raw in self._paginate("/products.json", "products", params):
            yield parse_record(Product, raw, path="/products.json", context=context)

    @operation()
    @arguments_checked
    def get(self, product_id: ShopifyId) -> Product:
        """Fetch one product with its variants by id; NotFound if there is none."""
        path = f"/products/{product_id}.json"
        raw = self._fetch(path, "product")
        return parse_record(Product, raw, path=path,
                            context={CURRENCY_CONTEXT_KEY: self._currency()})


class Shopify(Connector):
    """Shopify's Admin REST API for one shop: orders, customers, products and the shop itself."""

    name: ClassVar[str] = NAME
    title: ClassVar[str] = "Shopify Admin REST API"
    auth_kind: ClassVar[str] = "api_key"
    rate_limit: ClassVar[str] = (
        "Leaky bucket per app and shop: 40 requests, draining 2 per second (Advanced 80 and "
        "4/s, Plus 20/s); every answer reports the bucket in X-Shopify-Shop-Api-Call-Limit "
        "('32/40'); a full bucket answers 429 with Retry-After.")
    pagination: ClassVar[str] = (
        "Cursor in the Link header (rel=\"next\", a page_info parameter); at most 250 per page.")
    documentation: ClassVar[str] = "https://shopify.dev/docs/api/admin-rest"
    settings_model: ClassVar[type[ConnectorSettings]] = ShopifySettings
    quirks: ClassVar[tuple[str, ...]] = (
        "Pages after the first accept only page_info, limit and fields: Shopify answers 400 to "
        "any other filter beside page_info, so the connector follows the Link header's URL as "
        "given (the filters travel inside the cursor).",
        "Pagination is by the Link header only; there are no page numbers or totals.",
        "Amounts arrive as decimal strings ('199.00') without a currency beside them; records "
        "carry them as Money in the order's or the shop's currency.",
        "Ids are large integers (5 trillion and up); records carry them as strings.",
        "Tags arrive as one comma-separated string; records carry them as a list.",
        "Timestamps arrive in the shop's time zone ('2024-01-10T11:00:00-05:00'); records "
        "carry them in UTC.",
    )

    client: HttpClient
    orders: OrdersResource
    customers: CustomersResource
    products: ProductsResource
    shop: ShopResource

    def __init__(self, settings: ShopifySettings, *,
                 transport: httpx.BaseTransport | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(settings, transport=transport, clock=clock)
        self.client = HttpClient(
            connector=NAME,
            base_url=settings.api_root,
            auth=ApiKeyAuth(settings.access_token, name="X-Shopify-Access-Token"),
            throttle=Throttle(LeakyBucket.for_client(settings.bucket_size,
                                                     settings.leak_per_second),
                              read_remaining=read_call_limit, clock=clock),
            conventions=SHOPIFY_CONVENTIONS,
            transport=transport,
            clock=clock,
        )
        self.shop = ShopResource(self.client)
        self.orders = OrdersResource(self.client)
        self.customers = CustomersResource(self.client)
        self.products = ProductsResource(self.client, currency=self.shop.currency)
