"""How HubSpot words its failures and its rate-limit state, read into the core's terms.

HubSpot's error body is `{"status": "error", "message", "correlationId", "category", "errors":
[{"message", "code", "context": {"propertyName": [...]}}], "context"}`; its 429 names the policy hit
(`TEN_SECONDLY_ROLLING`, `DAILY`); a batch that partly failed answers 207 with `errors` beside the
`results`. Every response carries `X-HubSpot-RateLimit-Remaining` for the ten-second window.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from connectors.core.client import Failure, VendorConventions
from connectors.core.errors import (
    ConnectorError,
    FieldError,
    StatusMapping,
    TransientError,
    ValidationFailed,
)
from connectors.core.retry import TRANSIENT_STATUSES, RetryPolicy

MIGRATION_IN_PROGRESS = 477
"""HubSpot's own status while an account is being migrated between data centres; it sends
Retry-After and the call may be repeated then."""

_INVALID_PROPERTIES = "Property values were not valid: "

_HINTS = {
    "INVALID_AUTHENTICATION": "check the private app's access token (HubSpot: Settings › "
                              "Integrations › Private Apps)",
    "EXPIRED_AUTHENTICATION": "the access token has expired; issue a new one",
    "MISSING_SCOPES": "grant the private app the scopes named here, then use its new token",
    "CONFLICT": "a record already holds that unique value; use upsert with that property as "
                "id_property to update it instead",
    "DAILY": "the account's daily API limit is used up; it resets at midnight in the account's "
             "time zone",
}


def _listed(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _field_errors(body: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in body.get("errors") or []:
        if not isinstance(item, dict):
            continue
        text = str(item.get("message", ""))
        raw_context = item.get("context")
        context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
        names = context.get("propertyName") or context.get("properties")
        if names:
            errors.extend(FieldError(name, text) for name in _listed(names))
        elif context:
            errors.extend(FieldError(str(key), f"{text} {', '.join(_listed(values))}".strip())
                          for key, values in context.items())
        else:
            errors.append(FieldError("request", text))
    required = body.get("context")
    if not errors and isinstance(required, dict) and isinstance(required.get("properties"), list):
        errors = [FieldError(str(name), "required") for name in required["properties"]]
    message = str(body.get("message", ""))
    if not errors and message.startswith(_INVALID_PROPERTIES):
        try:
            listed = json.loads(message.removeprefix(_INVALID_PROPERTIES))
        except ValueError:
            listed = []
        errors = [FieldError(str(item.get("name", "?")), str(item.get("message", "")))
                  for item in listed if isinstance(item, dict)]
    return errors


def describe_hubspot_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """HubSpot's message, category or policy, a hint, and the correlation id support asks for."""
    if not isinstance(body, dict) or "message" not in body:
        return None
    field_errors = _field_errors(body)
    message = str(body["message"])
    if field_errors and message.startswith(_INVALID_PROPERTIES):
        message = _INVALID_PROPERTIES.removesuffix(": ")
    kind = body.get("policyName") or body.get("category") or body.get("errorType")
    parts = [f"{kind}: {message}" if kind else message]
    if isinstance(kind, str) and kind in _HINTS:
        parts.append(_HINTS[kind])
    if kind == "MISSING_SCOPES":
        parts.extend(f"{error.field}: {error.message}" for error in field_errors)
    if body.get("correlationId"):
        parts.append(f"correlationId {body['correlationId']}")
    return " — ".join(parts), field_errors


def inspect_hubspot_success(response: httpx.Response, body: Any) -> Failure | None:
    """A 207 from a batch call: some inputs were refused. The whole call is reported as failed,
    naming each refusal (batch upserts are idempotent, so repeating the corrected call is safe)."""
    if response.status_code != 207 or not isinstance(body, dict) or not body.get("errors"):
        return None
    errors = [error for error in body["errors"] if isinstance(error, dict)]
    field_errors = [FieldError(str(error.get("category", "error")), str(error.get("message", "")))
                    for error in errors]
    return Failure(ValidationFailed, f"HubSpot refused {len(errors)} input(s) of the batch and "
                                     "applied the others", field_errors)


def read_remaining(headers: httpx.Headers) -> float | None:
    """Requests left in HubSpot's ten-second window, from `X-HubSpot-RateLimit-Remaining`."""
    value = headers.get("X-HubSpot-RateLimit-Remaining")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _statuses() -> StatusMapping:
    by_status: dict[int, type[ConnectorError]] = {**StatusMapping().by_status,
                                                  MIGRATION_IN_PROGRESS: TransientError}
    return StatusMapping(by_status=by_status)


CONVENTIONS = VendorConventions(statuses=_statuses(), describe_error=describe_hubspot_error,
                                inspect_success=inspect_hubspot_success)
"""HubSpot has no idempotency-key header: writes are made safe by upserting on a unique property."""

RETRY_POLICY = RetryPolicy(retry_statuses=TRANSIENT_STATUSES | {MIGRATION_IN_PROGRESS})
