"""The simulator's side of Shopify's listings: filters, `page_info` cursors, `Link` headers.

As in Shopify, the first request carries the filters; the answer's `Link` header names the next
and previous pages by an opaque `page_info` that holds the filters and the position (keyset on
the record id), and a request with `page_info` may add only `limit` and `fields` — anything
else is a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from connectors.core.records import to_utc
from connectors.shopify.simulator.seed import SHOP_ZONE

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGING_PARAMS = frozenset({"page_info", "limit", "fields"})
PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest"

Raw = dict[str, Any]
Predicate = Callable[[Raw], bool]


class BadRequest(Exception):
    """A request Shopify answers with 400 and `{"errors": {param: message}}`."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _when(value: str, param: str) -> datetime:
    try:
        moment = to_utc(value)
    except ValueError:
        try:  # Shopify reads a time without an offset in the shop's zone
            moment = datetime.fromisoformat(value).replace(tzinfo=SHOP_ZONE)
        except ValueError:
            raise BadRequest({param: f"{param} is not a valid date"}) from None
    return moment


def _time_bound(field: str, upper: bool) -> Callable[[str, str], Predicate]:
    def build(value: str, param: str) -> Predicate:
        bound = _when(value, param)
        if upper:
            return lambda record: to_utc(record[field]) <= bound
        return lambda record: to_utc(record[field]) >= bound
    return build


def _choice(options: Mapping[str, Predicate]) -> Callable[[str, str], Predicate]:
    def build(value: str, param: str) -> Predicate:
        if value not in options:
            raise BadRequest({param: f"{param} must be one of {', '.join(options)}"})
        return options[value]
    return build


def _equals(field: str) -> Callable[[str, str], Predicate]:
    return lambda value, _param: lambda record: record.get(field) == value


def time_filters(*fields: str) -> dict[str, Callable[[str, str], Predicate]]:
    """`{field}_min` and `{field}_max` filters (inclusive) for each timestamp field."""
    return {f"{field}_{end}": _time_bound(field, end == "max")
            for field in fields for end in ("min", "max")}


def _field_is(key: str, value: Any) -> Predicate:
    return lambda record: record.get(key) == value


def _by_value(values: set[Any], key: str) -> dict[str, Predicate]:
    return {"any": lambda _r: True, **{value: _field_is(key, value) for value in values}}


ORDER_FILTERS: dict[str, Callable[[str, str], Predicate]] = {
    "status": _choice({
        "open": lambda o: o.get("closed_at") is None and o.get("cancelled_at") is None,
        "closed": lambda o: o.get("closed_at") is not None,
        "cancelled": lambda o: o.get("cancelled_at") is not None,
        "any": lambda _o: True,
    }),
    "financial_status": _choice({
        **_by_value({"authorized", "pending", "paid", "partially_paid", "refunded", "voided",
                    "partially_refunded"}, "financial_status"),
        "unpaid": lambda o: o.get("financial_status") in ("authorized", "partially_paid"),
    }),
    "fulfillment_status": _choice({
        "shipped": lambda o: o.get("fulfillment_status") == "fulfilled",
        "partial": lambda o: o.get("fulfillment_status") == "partial",
        "unshipped": lambda o: o.get("fulfillment_status") is None,
        "unfulfilled": lambda o: o.get("fulfillment_status") in (None, "partial"),
        "any": lambda _o: True,
    }),
    **time_filters("created_at", "updated_at", "processed_at"),
}
CUSTOMER_FILTERS = time_filters("created_at", "updated_at")
PRODUCT_FILTERS: dict[str, Callable[[str, str], Predicate]] = {
    "status": _choice({s: _field_is("status", s) for s in ("active", "archived", "draft")}),
    "vendor": _equals("vendor"),
    "product_type": _equals("product_type"),
    **time_filters("created_at", "updated_at"),
}


@dataclass(frozen=True)
class Listing:
    """One listable resource: its records' key, its filters, and its order."""

    key: str
    filters: Mapping[str, Callable[[str, str], Predicate]]
    newest_first: bool
    default_filters: Mapping[str, str]

    def after(self, record_id: int, pivot: int) -> bool:
        """Whether `record_id` comes after `pivot` in this listing's order."""
        return record_id < pivot if self.newest_first else record_id > pivot


ORDERS = Listing("orders", ORDER_FILTERS, newest_first=True, default_filters={"status": "open"})
CUSTOMERS = Listing("customers", CUSTOMER_FILTERS, newest_first=False, default_filters={})
PRODUCTS = Listing("products", PRODUCT_FILTERS, newest_first=False, default_filters={})


def encode_cursor(payload: Mapping[str, Any]) -> str:
    """An opaque `page_info`: base64url JSON, as Shopify's look."""
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(page_info: str, listing: Listing) -> dict[str, Any]:
    """The cursor's payload; a cursor that is not one of this listing's is a 400."""
    try:
        padded = page_info + "=" * (-len(page_info) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        valid = (isinstance(payload, dict) and payload.get("resource") == listing.key
                 and payload.get("direction") in ("next", "prev")
                 and isinstance(payload.get("last_id"), int)
                 and isinstance(payload.get("filters"), dict))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        raise BadRequest({"page_info": "Invalid value."})
    return dict(payload)


@dataclass(frozen=True)
class Page:
    """One page of a listing and the cursors around it."""

    records: list[Raw]
    next_cursor: str | None
    previous_cursor: str | None


def parse_limit(query: Mapping[str, str]) -> int:
    """Shopify's `limit`: 50 by default, at most 250."""
    text = query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or int(text) < 1:
        raise BadRequest({"limit": "limit must be a positive integer"})
    return min(int(text), MAX_LIMIT)


def paginate(listing: Listing, records: list[Raw], query: Mapping[str, str]) -> Page:
    """The page `query` asks for, with Shopify's rules about what may accompany `page_info`."""
    limit = parse_limit(query)
    page_info = query.get("page_info")
    if page_info is not None:
        extra = sorted(set(query) - PAGING_PARAMS)
        if extra:
            raise BadRequest({name: f"{name} cannot be passed when page_info is present. See "
                                    f"{PAGINATION_DOCS} for more information." for name in extra})
        cursor = decode_cursor(page_info, listing)
        filters = cursor["filters"]
    else:
        cursor = None
        filters = {**listing.default_filters,
                   **{k: v for k, v in query.items() if k in listing.filters}}
    predicates = [listing.filters[name](value, name) for name, value in filters.items()
                  if name in listing.filters]
    rows = sorted((r for r in records if all(p(r) for p in predicates)),
                  key=lambda r: r["id"], reverse=listing.newest_first)
    if cursor is None:
        chosen = rows[:limit]
    elif cursor["direction"] == "next":
        chosen = [r for r in rows if listing.after(r["id"], cursor["last_id"])][:limit]
    else:
        chosen = [r for r in rows if listing.after(cursor["last_id"], r["id"])][-limit:]

    def cursor_to(direction: str, pivot: int) -> str:
        return encode_cursor({"resource": listing.key, "direction": direction,
                              "last_id": pivot, "filters": filters})

    if not chosen:
        return Page([], None, None)
    first, last = chosen[0]["id"], chosen[-1]["id"]
    more = any(listing.after(r["id"], last) for r in rows)
    earlier = cursor is not None and any(listing.after(first, r["id"]) for r in rows)
    return Page(chosen, cursor_to("next", last) if more else None,
                cursor_to("prev", first) if earlier else None)


def project(record: Raw, fields: str | None) -> Raw:
    """Only the top-level `fields` asked for (all of them without `fields`)."""
    if not fields:
        return record
    wanted = {name.strip() for name in fields.split(",")}
    return {key: value for key, value in record.items() if key in wanted}


def link_header(url: str, page: Page, *, limit: int, fields: str | None,
                next_cursor: str | None) -> str | None:
    """`<url?limit=…&page_info=…>; rel="previous", <…>; rel="next"`, or None on a single page."""
    links = []
    for rel, cursor in (("previous", page.previous_cursor), ("next", next_cursor)):
        if cursor is None:
            continue
        params = {"limit": limit, **({"fields": fields} if fields else {}), "page_info": cursor}
        links.append(f'<{url}?{urlencode(params)}>; rel="{rel}"')
    return ", ".join(links) or None
