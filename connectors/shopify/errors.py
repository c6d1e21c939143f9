"""How Shopify's Admin REST API words its failures and its rate limit.

Error bodies come in three shapes: `{"errors": "Not Found"}`, `{"errors": {"title": ["can't be
blank"]}}` (422, and the 400 for filters sent beside `page_info`, whose messages are plain
strings rather than lists) and, on some endpoints, `{"error": "..."}`. Every answer carries
`X-Shopify-Shop-Api-Call-Limit: 32/40`: the requests in the app's bucket for this shop, and the
bucket's size.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.core.client import VendorConventions
from connectors.core.errors import (
    FieldError,
    PermissionDenied,
    StatusMapping,
)

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def describe_shopify_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """The message and field errors of a Shopify error body, or None if it is not one."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors", body.get("error"))
    if errors is None:
        return None
    if isinstance(errors, dict):
        field_errors = [FieldError(str(name), message)
                        for name, value in errors.items() for message in _messages(value)]
        return "Shopify refused the request", field_errors
    return "; ".join(_messages(errors)), []


def read_call_limit(headers: httpx.Headers) -> float | None:
    """Requests the bucket still admits, from `X-Shopify-Shop-Api-Call-Limit: used/size`."""
    value = headers.get(CALL_LIMIT_HEADER)
    if not value:
        return None
    used, _, size = value.partition("/")
    try:
        return max(0.0, float(size) - float(used))
    except ValueError:
        return None


SHOPIFY_STATUSES = StatusMapping({
    **StatusMapping().by_status,
    402: PermissionDenied,  # the shop is frozen: its bill is unpaid
    423: PermissionDenied,  # the shop is locked
})

SHOPIFY_CONVENTIONS = VendorConventions(statuses=SHOPIFY_STATUSES,
                                        describe_error=describe_shopify_error)
"""Shopify has no idempotency-key header for REST writes; its reads need none."""
