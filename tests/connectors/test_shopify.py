"""The Shopify connector against its simulator, over real HTTP (in process, and once on loopback).

Expected results are computed here from the simulator's raw records, independently of the
connector's code, so a wrong filter, a lost page or a mis-mapped field fails a test.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.types import Receive, Scope, Send

from connectors.core.catalog import connector_spec
from connectors.core.clock import ManualClock
from connectors.core.errors import (
    AuthError,
    ConfigurationError,
    ConnectorError,
    NotFound,
    ProtocolError,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.core.paginators import PaginationError
from connectors.core.records import Money, to_utc
from connectors.core.serving import free_port, serve_on_loopback
from connectors.core.simulator import FaultPlan
from connectors.core.transport import InProcessTransport
from connectors.shopify import Shopify, ShopifySettings
from connectors.shopify.errors import describe_shopify_error, read_call_limit
from connectors.shopify.pagination import ShopLinkPaginator
from connectors.shopify.simulator import SIM_ACCESS_TOKEN, ShopifySimulator

WRONG_TOKEN = "shpat_wrong_but_secret_9999999999"
API = "/admin/api/2024-10"
Raw = dict[str, Any]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> ShopifySimulator:
    return ShopifySimulator(clock=clock)


@pytest.fixture
def shop(sim: ShopifySimulator) -> Iterator[Shopify]:
    with sim.connect() as connector:
        yield connector


def query(sim: ShopifySimulator, index: int) -> dict[str, list[str]]:
    return parse_qs(sim.requests[index].query)


def newest_first(records: dict[int, Raw], keep: Callable[[Raw], bool]) -> list[str]:
    return [str(r["id"]) for r in sorted(records.values(), key=lambda r: -r["id"]) if keep(r)]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SIM_ACCESS_TOKEN not in text
        assert WRONG_TOKEN not in text


# -- operations: records, mapping, requests ----------------------------------------------------


def test_orders_are_mapped_to_normalised_records(sim: ShopifySimulator, shop: Shopify) -> None:
    raw = sim.add_order(total_price="1234.50", tags="vip, gift", note="leave at door",
                        created_at="2024-03-10T23:30:00-05:00")
    order = next(o for o in shop.orders.list() if o.id == str(raw["id"]))

    assert order.name == raw["name"]
    assert order.order_number == raw["order_number"]
    assert order.total_price == Money(amount=Decimal("1234.50"), currency="USD")
    assert order.subtotal_price.amount == Decimal(raw["subtotal_price"])
    assert order.created_at == datetime(2024, 3, 11, 4, 30, tzinfo=UTC)
    assert order.tags == ["vip", "gift"]
    assert order.note == "leave at door"
    assert order.customer is not None
    assert order.customer.id == str(raw["customer"]["id"])
    assert [(i.id, i.quantity, i.price) for i in order.line_items] == [
        (str(i["id"]), i["quantity"], Money(amount=Decimal(i["price"]), currency="USD"))
        for i in raw["line_items"]]
    assert order.model_extra is not None
    assert "total_price_set" in order.model_extra

    first = sim.requests[0]
    assert (first.method, first.path) == ("GET", f"{API}/orders.json")
    assert query(sim, 0) == {"status": ["any"], "limit": ["250"]}
    assert first.headers["x-shopify-access-token"] == SIM_ACCESS_TOKEN
    assert first.headers["accept"] == "application/json"


def _updated_since(cut: datetime) -> Callable[[Raw], bool]:
    return lambda r: to_utc(r["updated_at"]) >= cut


CUT = datetime(2024, 1, 20, tzinfo=UTC)
ORDER_FILTERS: list[tuple[dict[str, Any], Callable[[Raw], bool], dict[str, list[str]]]] = [
    ({}, lambda r: True, {"status": ["any"]}),
    ({"status": "open"}, lambda r: r["closed_at"] is None and r["cancelled_at"] is None,
     {"status": ["open"]}),
    ({"status": "cancelled"}, lambda r: r["cancelled_at"] is not None,
     {"status": ["cancelled"]}),
    ({"financial_status": "paid"}, lambda r: r["financial_status"] == "paid",
     {"status": ["any"], "financial_status": ["paid"]}),
    ({"financial_status": "unpaid"},
     lambda r: r["financial_status"] in ("authorized", "partially_paid"),
     {"status": ["any"], "financial_status": ["unpaid"]}),
    ({"fulfillment_status": "unfulfilled", "status": "open"},
     lambda r: r["fulfillment_status"] in (None, "partial") and r["closed_at"] is None
     and r["cancelled_at"] is None,
     {"status": ["open"], "fulfillment_status": ["unfulfilled"]}),
    ({"updated_at_min": CUT, "financial_status": "paid"},
     lambda r: to_utc(r["updated_at"]) >= CUT and r["financial_status"] == "paid",
     {"status": ["any"], "financial_status": ["paid"], "updated_at_min": [CUT.isoformat()]}),
    ({"created_at_max": CUT}, lambda r: to_utc(r["created_at"]) <= CUT,
     {"status": ["any"], "created_at_max": [CUT.isoformat()]}),
]


@pytest.mark.parametrize(("filters", "keep", "sent"), ORDER_FILTERS)
def test_order_filters_select_the_right_orders_across_pages(
        sim: ShopifySimulator, shop: Shopify, filters: dict[str, Any],
        keep: Callable[[Raw], bool], sent: dict[str, list[str]]) -> None:
    expected = newest_first(sim.orders, keep)
    assert len(expected) > 7, "the seed should give this filter several pages"

    got = [order.id for order in shop.orders.list(page_size=7, **filters)]

    assert got == expected
    assert query(sim, 0) == {**sent, "limit": ["7"]}
    for later in range(1, len(sim.requests)):  # the filters travel inside page_info only
        assert set(query(sim, later)) == {"limit", "page_info"}


def test_page_info_beside_a_filter_is_refused_as_shopify_does(sim: ShopifySimulator,
                                                               shop: Shopify) -> None:
    response, _ = shop.client.request("GET", "/orders.json", params={"limit": 2})
    next_url = response.links["next"]["url"]
    page_info = parse_qs(httpx.URL(next_url).query.decode())["page_info"][0]

    with pytest.raises(ValidationFailed) as caught:
        shop.client.request("GET", "/orders.json",
                            params={"page_info": page_info, "status": "any", "limit": 2})

    assert caught.value.status == 400
    assert [e.field for e in caught.value.field_errors] == ["status"]
    assert "cannot be passed when page_info is present" in caught.value.field_errors[0].message
    with pytest.raises(ValidationFailed) as bad_cursor:
        shop.client.request("GET", "/orders.json", params={"page_info": "not-a-cursor"})
    assert [(e.field, e.message) for e in bad_cursor.value.field_errors] == [
        ("page_info", "Invalid value.")]


def test_link_headers_name_previous_and_next_pages(shop: Shopify) -> None:
    first, _ = shop.client.request("GET", "/orders.json", params={"limit": 3})
    assert set(first.links) == {"next"}
    second, _ = shop.client.request("GET", first.links["next"]["url"])
    assert set(second.links) == {"previous", "next"}
    back, body = shop.client.request("GET", second.links["previous"]["url"])
    _, first_body = shop.client.request("GET", "/orders.json", params={"limit": 3})
    assert [o["id"] for o in body["orders"]] == [o["id"] for o in first_body["orders"]]
    assert set(back.links) == {"next"}


@pytest.mark.parametrize("resource", ["orders", "customers", "products"])
def test_get_returns_the_record_the_listing_returns(sim: ShopifySimulator, shop: Shopify,
                                                     resource: str) -> None:
    listed = next(iter(getattr(shop, resource).list(page_size=5)))
    sim.requests.clear()

    fetched = getattr(shop, resource).get(listed.id)

    assert fetched == listed
    assert sim.requests[-1].path == f"{API}/{resource}/{listed.id}.json"
    with pytest.raises(NotFound, match="Not Found") as missing:
        getattr(shop, resource).get("1")
    assert missing.value.status == 404


def test_customers_are_listed_oldest_first_with_time_filters(sim: ShopifySimulator,
                                                             shop: Shopify) -> None:
    cut = to_utc(sorted(c["updated_at"] for c in sim.customers.values())[10])
    expected = [str(c["id"]) for c in sorted(sim.customers.values(), key=lambda c: c["id"])
                if to_utc(c["updated_at"]) >= cut]

    customers = list(shop.customers.list(updated_at_min=cut, page_size=4))

    assert [c.id for c in customers] == expected
    assert len(expected) == 20
    raw = sim.customers[int(customers[0].id)]
    assert customers[0].email == raw["email"]
    assert customers[0].default_address is not None
    assert customers[0].default_address.city == raw["default_address"]["city"]
    assert query(sim, 0) == {"limit": ["4"], "updated_at_min": [cut.isoformat()]}


def test_product_prices_are_money_in_the_shop_currency(clock: ManualClock) -> None:
    sim = ShopifySimulator(clock=clock, currency="EUR", products=9)
    with sim.connect() as shop:
        active = list(shop.products.list(status="active", page_size=2))
        everything = list(shop.products.list())

    assert [p.id for p in active] == [str(p["id"]) for p in sorted(
        sim.products.values(), key=lambda p: p["id"]) if p["status"] == "active"]
    assert len(everything) == 9
    for product in everything:
        raw = sim.products[int(product.id)]
        assert [v.price for v in product.variants] == [
            Money(amount=Decimal(v["price"]), currency="EUR") for v in raw["variants"]]
    shop_calls = [r for r in sim.requests if r.path.endswith("/shop.json")]
    assert len(shop_calls) == 1, "the shop's currency is fetched once"


def test_shop_get(shop: Shopify) -> None:
    details = shop.shop.get()
    assert (details.currency, details.myshopify_domain) == ("USD", "flowbot-sim.myshopify.com")
    assert details.created_at.tzinfo is UTC


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: s.orders.list(page_size=0), "page_size"),
    (lambda s: s.orders.list(page_size=251), "page_size"),
    (lambda s: s.orders.list(status="paid"), "status"),
    (lambda s: s.orders.list(updated_at_min=datetime(2024, 1, 1)), "updated_at_min"),
    (lambda s: s.customers.get("#1001"), "customer_id"),
    (lambda s: s.products.list(status="published"), "status"),
])
def test_invalid_arguments_are_refused_before_any_request(
        sim: ShopifySimulator, shop: Shopify, call: Callable[[Shopify], Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        call(shop)
    assert [e.field for e in caught.value.field_errors] == [field]
    assert sim.stats.requests == 0


# -- properties: every record exactly once, in order, whatever the faults ----------------------


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.integers(0, 60), page_size=st.integers(1, 25), seed=st.integers(0, 1000),
       p_rate_limit=st.sampled_from([0.0, 0.05, 0.1]),
       p_server_error=st.sampled_from([0.0, 0.05, 0.1]),
       p_drop=st.sampled_from([0.0, 0.05, 0.1]))
def test_every_order_is_read_once_in_order_despite_faults(
        orders: int, page_size: int, seed: int, p_rate_limit: float, p_server_error: float,
        p_drop: float) -> None:
    clock = ManualClock()
    sim = ShopifySimulator(clock=clock, seed=seed, orders=orders, customers=5, products=4)
    sim.faults = FaultPlan(p_rate_limit=p_rate_limit, p_server_error=p_server_error,
                           p_drop=p_drop, retry_after="2.0")
    with sim.connect() as shop:
        got = [order.id for order in shop.orders.list(page_size=page_size)]
    assert got == newest_first(sim.orders, lambda r: True)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(page_size=st.integers(1, 5), pages=st.integers(3, 8))
def test_a_repeating_cursor_ends_in_a_protocol_error(page_size: int, pages: int) -> None:
    orders = page_size * pages
    sim = ShopifySimulator(clock=ManualClock(), orders=orders, customers=3, products=2)
    sim.repeat_cursor = True
    with sim.connect() as shop, pytest.raises(ProtocolError, match="circle"):
        list(shop.orders.list(page_size=page_size))
    assert sim.stats.requests == 2, "the repeat is noticed before it is sent"


# -- the leaky bucket ------------------------------------------------------------------------------


def test_throttle_stays_under_the_bucket_at_nearly_the_minimum_time(clock: ManualClock) -> None:
    sim = ShopifySimulator(clock=clock, orders=150, customers=10, products=5)
    start = clock.now()
    with sim.connect() as shop:
        assert len(list(shop.orders.list(page_size=1))) == 150
    elapsed = clock.now() - start
    minimum = (150 - 40) / 2.0  # 40 at once, then one per half second
    assert sim.stats.rate_limited == 0
    assert minimum <= elapsed <= minimum + 1.0
    assert sim.requests[-1].headers["x-shopify-access-token"] == SIM_ACCESS_TOKEN


def test_throttle_believes_the_call_limit_header(clock: ManualClock) -> None:
    """Another process has filled 35 of the 40: the header must slow this one down at once."""
    sim = ShopifySimulator(clock=clock, orders=30, customers=5, products=3)
    bucket = sim.rate_limit_for({"type": "http", "headers": [
        (b"x-shopify-access-token", SIM_ACCESS_TOKEN.encode())]})
    assert bucket is not None
    for _ in range(35):
        bucket.consume(clock.now())
    with sim.connect() as shop:
        assert len(list(shop.orders.list(page_size=2))) == 30
    assert sim.stats.rate_limited == 0
    assert clock.now() - 1_000.0 >= (35 + 15 - 40) / 2.0


def test_shopify_429_is_waited_out_and_then_reported(sim: ShopifySimulator, shop: Shopify,
                                                     clock: ManualClock) -> None:
    sim.faults = FaultPlan(rate_limit_bursts=2, retry_after="2.0")
    assert len(list(shop.orders.list())) == len(sim.orders)
    assert clock.slept.count(2.0) == 2

    sim.faults = FaultPlan(rate_limit_bursts=100, retry_after="2.0")
    with pytest.raises(RateLimited, match="Exceeded 2 calls per second") as caught:
        shop.shop.get()
    assert caught.value.retry_after == 2.0
    assert caught.value.status == 429


@pytest.mark.parametrize(("header", "remaining"), [
    ("32/40", 8.0), ("40/40", 0.0), ("3/80", 77.0), ("41/40", 0.0), ("junk", None), (None, None)])
def test_call_limit_header_is_read(header: str | None, remaining: float | None) -> None:
    headers = httpx.Headers({"X-Shopify-Shop-Api-Call-Limit": header} if header else {})
    assert read_call_limit(headers) == remaining


# -- bad input ends in a clear error, never a hang or a leak ---------------------------------------


def test_malformed_page_is_a_protocol_error(sim: ShopifySimulator, shop: Shopify) -> None:
    sim.malformed_pages = 1
    with pytest.raises(ProtocolError, match="expected a list of records at 'orders'"):
        list(shop.orders.list())


@pytest.mark.parametrize(("damage", "message"), [
    (lambda raw: raw.pop("currency"), "currency is missing"),
    (lambda raw: raw.pop("created_at"), "created_at: Field required"),
    (lambda raw: raw.update(total_price="12,50"), "total_price.amount"),
    (lambda raw: raw.update(updated_at="2024-01-05 10:00"), "updated_at"),
])
def test_a_record_it_cannot_read_is_a_protocol_error_without_personal_data(
        sim: ShopifySimulator, shop: Shopify, damage: Callable[[Raw], Any], message: str) -> None:
    raw = sim.add_order()
    with sim.lock:
        damage(raw)
    with pytest.raises(ProtocolError, match=message) as caught:
        shop.orders.get(str(raw["id"]))
    assert str(raw["id"]) in str(caught.value)
    assert raw["email"] not in str(caught.value)


def test_html_error_pages_are_retried_then_reported(sim: ShopifySimulator,
                                                    shop: Shopify) -> None:
    sim.faults = FaultPlan(html_errors=1)
    assert shop.shop.get().currency == "USD"
    sim.faults = FaultPlan(html_errors=100)
    with pytest.raises(TransientError, match="Bad Gateway") as caught:
        shop.shop.get()
    assert caught.value.status == 502


def test_a_web_page_where_the_api_should_be_is_a_protocol_error() -> None:
    async def web_page(scope: Scope, receive: Receive, send: Send) -> None:
        page = b"<html><body>Welcome to our store</body></html>"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": page})

    with serve_on_loopback(web_page) as url:
        settings_ = ShopifySettings(shop="acme", access_token=SecretStr(SIM_ACCESS_TOKEN),
                                    base_url=url)
        with Shopify(settings_, clock=ManualClock()) as shop, \
                pytest.raises(ProtocolError, match="expected a JSON body but got text/html"):
            shop.shop.get()


def test_a_storefront_404_is_not_found(sim: ShopifySimulator) -> None:
    settings_ = sim.settings("http://simulator.invalid/shop")
    with Shopify(settings_, transport=InProcessTransport(sim.app), clock=sim.clock) as shop, \
            pytest.raises(NotFound) as caught:
        shop.shop.get()
    assert "Page Not Found" in str(caught.value)


def test_wrong_token_is_an_auth_error_without_the_token(
        sim: ShopifySimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings_ = sim.settings("http://simulator.invalid").model_copy(
        update={"access_token": SecretStr(WRONG_TOKEN)})
    with Shopify(settings_, transport=InProcessTransport(sim.app), clock=sim.clock) as shop, \
            pytest.raises(AuthError, match="Invalid API key or access token") as caught:
        list(shop.orders.list())
    assert caught.value.status == 401
    assert sim.stats.requests == 1, "a 401 is not retried"
    assert_no_secret(str(caught.value), repr(caught.value), caplog.text, repr(settings_),
                     repr(shop), repr(shop.client))


@pytest.mark.parametrize(("base_url", "error", "message"), [
    ("not a url", ConfigurationError, "is not an http"),
    ("ftp://files.example", ConfigurationError, "is not an http"),
    ("http://127.0.0.1:{port}", TransientError, "could not be reached"),
])
def test_a_wrong_base_url_is_a_clear_error(base_url: str, error: type[ConnectorError],
                                           message: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings_ = ShopifySettings(shop="acme", access_token=SecretStr(SIM_ACCESS_TOKEN),
                                base_url=base_url.format(port=free_port()))
    with pytest.raises(error, match=message) as caught, \
            Shopify(settings_, clock=ManualClock()) as shop:
        shop.shop.get()
    assert_no_secret(str(caught.value), repr(caught.value), caplog.text)


def test_a_next_link_to_another_origin_is_not_followed() -> None:
    paginator = ShopLinkPaginator(origin="https://acme.myshopify.com/admin/api/2024-10")
    request = httpx.Request("GET", "https://acme.myshopify.com/admin/api/2024-10/orders.json")
    for link, error in [
        ('<https://evil.example/orders.json?page_info=abc>; rel="next"', "leaves the shop"),
        ('<https://acme.myshopify.com/admin/api/2024-10/orders.json>; rel="next"',
         "no page_info"),
    ]:
        response = httpx.Response(200, headers={"Link": link}, request=request)
        with pytest.raises(PaginationError, match=error):
            paginator.update_state(response, {}, [])
    fine = httpx.Response(200, request=request, headers={
        "Link": '</admin/api/2024-10/orders.json?limit=5&page_info=abc>; rel="next"'})
    paginator.update_state(fine, {}, [])
    assert paginator.next_url == (
        "https://acme.myshopify.com/admin/api/2024-10/orders.json?limit=5&page_info=abc")


@pytest.mark.parametrize(("body", "described"), [
    ({"errors": "Not Found"}, ("Not Found", [])),
    ({"errors": {"title": ["can't be blank", "is too short"]}},
     ("Shopify refused the request", [("title", "can't be blank"), ("title", "is too short")])),
    ({"errors": {"status": "status cannot be passed when page_info is present."}},
     ("Shopify refused the request",
      [("status", "status cannot be passed when page_info is present.")])),
    ({"error": "Unsupported format"}, ("Unsupported format", [])),
    ({"errors": ["one", "two"]}, ("one; two", [])),
    ({"orders": []}, None),
    ("plain text", None),
])
def test_shopify_error_bodies_are_described(body: Any, described: Any) -> None:
    result = describe_shopify_error(body)
    if described is None:
        assert result is None
    else:
        assert result is not None
        assert (result[0], [(e.field, e.message) for e in result[1]]) == described


# -- settings, catalog, loopback -------------------------------------------------------------------


def test_settings_default_to_the_shop_and_hide_the_token() -> None:
    settings_ = ShopifySettings(shop="Acme-Goods.myshopify.com",
                                access_token=SecretStr(SIM_ACCESS_TOKEN))
    assert settings_.base_url == "https://acme-goods.myshopify.com"
    assert settings_.api_root == "https://acme-goods.myshopify.com/admin/api/2024-10"
    assert (settings_.bucket_size, settings_.leak_per_second) == (40, 2.0)
    assert_no_secret(repr(settings_), str(settings_), settings_.model_dump_json())
    with pytest.raises(ValueError, match="not a shop name"):
        ShopifySettings(shop="my shop", access_token=SecretStr("x"))


def test_catalog_entry_is_read_from_the_code() -> None:
    spec = connector_spec(Shopify)
    assert (spec.name, spec.auth_kind) == ("shopify", "api_key")
    assert sorted(op.path for r in spec.resources for op in r.operations) == [
        "customers.get", "customers.list", "orders.get", "orders.list", "products.get",
        "products.list", "shop.get"]
    orders_list = spec.operation("orders.list")
    assert orders_list is not None
    assert orders_list.record == "Order"
    assert orders_list.many
    assert all(p.kind == "keyword" for p in orders_list.parameters)
    page_size = next(p for p in orders_list.parameters if p.name == "page_size")
    assert page_size.json_schema is not None
    assert page_size.json_schema["maximum"] == 250
    fields = {f.name: f.type for f in spec.records["Order"].fields}
    assert fields["total_price"] == "Money"
    assert fields["created_at"] == "datetime"
    assert any("page_info" in quirk for quirk in spec.quirks)


def test_over_loopback_with_the_real_clock() -> None:
    sim = ShopifySimulator(orders=12, customers=4, products=3)
    with serve_on_loopback(sim.app) as url, sim.connect(url) as shop:
        orders = list(shop.orders.list(page_size=5))
        again = shop.orders.get(orders[-1].id)
    assert [o.id for o in orders] == newest_first(sim.orders, lambda r: True)
    assert again == orders[-1]
    assert len(sim.requests) == 4
    assert all(r.headers["x-shopify-access-token"] == SIM_ACCESS_TOKEN for r in sim.requests)
    assert orders[0].created_at - orders[-1].created_at > timedelta(0)
