"""Reading values at dotted paths (`paging.next.after`) in decoded JSON bodies."""

from __future__ import annotations

from typing import Any

MISSING: Any = object()


def dig(body: Any, path: str) -> Any:
    """The value at `path` in `body`, or `MISSING` where any step of the path is absent."""
    value = body
    for step in path.split(".") if path else []:
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return MISSING
    return value
