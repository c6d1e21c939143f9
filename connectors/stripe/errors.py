"""Reading Stripe's error bodies into the error taxonomy.

Every Stripe error is `{"error": {"type", "code", "message", "param", "decline_code", "doc_url"}}`.
`param` names the offending field, so it becomes a field error. One kind is not told by its status:
an idempotency key reused with different parameters is a 400 of type `idempotency_error`, which
is a `Conflict` (the write clashes with an earlier one), not bad data.
"""

from __future__ import annotations

import json
from typing import Any

from connectors.core.errors import Conflict, FieldError, ValidationFailed


def _error_object(body: Any) -> dict[str, Any] | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def describe_stripe_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """The message of a Stripe error body, with its type and code, and the field it blames."""
    error = _error_object(body)
    if error is None:
        return None
    message = str(error.get("message") or "Stripe gave no message")
    kinds = [str(error[key]) for key in ("type", "code", "decline_code") if error.get(key)]
    text = f"{message} ({', '.join(kinds)})" if kinds else message
    param = error.get("param")
    fields = [FieldError(str(param), message)] if param else []
    return text, fields


def stripe_error_type(body_text: str) -> str | None:
    """The `error.type` of a (possibly truncated) Stripe error body, or None if unreadable."""
    try:
        error = _error_object(json.loads(body_text))
    except ValueError:
        return None
    return str(error.get("type")) if error is not None and error.get("type") else None


def as_conflict_if_idempotency_error(error: ValidationFailed) -> ValidationFailed | Conflict:
    """A reused idempotency key is a `Conflict`; any other refusal stays `ValidationFailed`."""
    if stripe_error_type(error.context.body) != "idempotency_error":
        return error
    return Conflict(f"{error.message} — send a new idempotency key for a different write, or the "
                    "same parameters to replay the first one", context=error.context)
