"""Stripe's `expand[]`: replace an object's id by the object itself, on any request.

Stripe accepts `expand[]=customer` (or `expand[0]=…`, as stripe-python sends it) on every endpoint;
a list expands inside its items with `data.` in front; paths nest with dots up to four levels. A
property that holds another object's id (or null) but is not among the ones simulated here is a
501 "not simulated" (Stripe would expand it); any other property is Stripe's refusal, `This
property cannot be expanded (…)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from connectors.stripe.simulator.wire import StripeApiError, invalid, is_expand

MAX_DEPTH = 4
_OBJECT_ID = re.compile(r"^[a-z]+_[A-Za-z0-9]+$")

EXPANDABLE: dict[str, dict[str, str]] = {
    "customer": {},
    "invoice": {"customer": "customer", "charge": "charge"},
    "charge": {"customer": "customer", "invoice": "invoice"},
    "line_item": {"invoice": "invoice"},
}
"""Per object kind: the properties holding another object's id, and that object's kind."""

Lookup = Callable[[str, str], dict[str, Any] | None]
"""(kind, id) → the public view of that object, or None."""


def split_expand(pairs: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """The other parameters, and the requested expansions."""
    rest: list[tuple[str, str]] = []
    paths: list[str] = []
    for name, value in pairs:
        if is_expand(name):
            paths.append(value)
        else:
            rest.append((name, value))
    return rest, paths


def expand(view: dict[str, Any], kind: str, paths: Iterable[str], lookup: Lookup) -> None:
    """Expand `paths` in `view` (an object of `kind`, or a list of them) in place."""
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise invalid(f"You cannot expand more than {MAX_DEPTH} levels of a property. "
                          f"Property: {path}", param="expand")
        _expand_one(view, kind, parts, path, lookup)


def _expand_one(view: dict[str, Any], kind: str, parts: list[str], path: str,
                lookup: Lookup) -> None:
    head, rest = parts[0], parts[1:]
    if view.get("object") == "list":
        if head != "data" or not rest:
            raise _cannot(path)
        for item in view["data"]:
            _expand_one(item, kind, rest, path, lookup)
        return
    target = EXPANDABLE.get(kind, {}).get(head)
    if target is None:
        held = view.get(head, False)
        if held is None or (isinstance(held, str) and _OBJECT_ID.match(held)):
            raise StripeApiError(501, "invalid_request_error", "not simulated: the Stripe API "
                                 f"simulator does not expand {head} on a {kind} ({path})",
                                 code="not_simulated", headers={"Stripe-Should-Retry": "false"})
        raise _cannot(path)
    value = view.get(head)
    if isinstance(value, str):
        found = lookup(target, value)
        if found is not None:
            view[head] = value = found
    if rest and isinstance(value, dict):
        _expand_one(value, target, rest, path, lookup)


def _cannot(path: str) -> Exception:
    return invalid(f"This property cannot be expanded ({path}).", param="expand")
