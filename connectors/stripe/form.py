"""Stripe's request encoding: form fields, with nested values spelt in brackets.

Stripe takes `application/x-www-form-urlencoded` bodies and query strings, and nests with
brackets: `metadata[order_id]=6735`, `created[gte]=1704067200`, `expand[0]=customer`. An empty
value is Stripe's way of unsetting a field or a metadata key, so `None` is sent as "".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def encode_form(params: Mapping[str, Any]) -> dict[str, str]:
    """Flatten `params` into Stripe's bracketed form fields, every value as text.

    `{"metadata": {"plan": "gold"}, "limit": 10}` becomes
    `{"metadata[plan]": "gold", "limit": "10"}`. Booleans are `true`/`false`, aware datetimes
    epoch seconds, `None` the empty string, lists indexed (`expand[0]`). A naive datetime is
    refused: Stripe's timestamps are UTC and a guessed zone shifts the filter by hours.
    """
    fields: dict[str, str] = {}
    for name, value in params.items():
        _flatten(str(name), value, fields)
    return fields


def _flatten(name: str, value: Any, fields: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{name}[{key}]", inner, fields)
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _flatten(f"{name}[{index}]", inner, fields)
    else:
        fields[name] = _text(name, value)


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: a datetime without a timezone; pass an aware datetime")
        return str(int(value.timestamp()))
    return str(value)
