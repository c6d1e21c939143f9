"""Checking what goes to Shopify and reading what comes back, in the error taxonomy.

A flow's wrong argument becomes a `ValidationFailed` before any request; a record the models
cannot read becomes a `ProtocolError` naming the record and its fields, never their values.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, validate_call

from connectors.core.errors import ErrorContext, FieldError, ProtocolError, ValidationFailed

NAME = "shopify"

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])


def arguments_checked(method: F) -> F:
    """Validate an operation's arguments against its type hints before anything is sent, so a
    wrong value is refused with a `ValidationFailed` naming the parameter."""
    validated = validate_call(method)
    names = list(inspect.signature(method).parameters)

    def where(loc: tuple[int | str, ...]) -> str:
        # positional arguments are located by index; name them
        steps = [names[step] if isinstance(step, int) and i == 0 and step < len(names)
                 else str(step) for i, step in enumerate(loc)]
        return ".".join(steps)

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return validated(*args, **kwargs)
        except ValidationError as exc:
            errors = [FieldError(where(e["loc"]), e["msg"]) for e in exc.errors()]
            raise ValidationFailed(f"{method.__qualname__} was called with invalid arguments",
                                   context=ErrorContext(connector=NAME),
                                   field_errors=errors) from None

    return checked  # type: ignore[return-value]


def parse_record(model: type[M], raw: Any, *, path: str,
           context: Mapping[str, Any] | None = None) -> M:
    """A record model from Shopify's JSON; a record it cannot read is a `ProtocolError` naming
    the record and the fields (never their values: they may be personal data)."""
    try:
        return model.model_validate(raw, context=dict(context or {}))
    except ValidationError as exc:
        record_id = raw.get("id") if isinstance(raw, dict) else None
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}"
                             for e in exc.errors(include_input=False))
        raise ProtocolError(
            f"Shopify sent a {model.__name__.lower()}"
            f"{f' (id {record_id})' if record_id is not None else ''} this connector cannot "
            f"read: {problems}",
            context=ErrorContext(connector=NAME, method="GET", url=path)) from None


def single_record(body: Any, key: str, path: str) -> Any:
    """The single record under `key` in a body like `{"order": {…}}`."""
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        found = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise ProtocolError(f"expected a '{key}' object in the answer; found {found}",
                            context=ErrorContext(connector=NAME, method="GET", url=path))
    return body[key]
