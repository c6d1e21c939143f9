"""How Salesforce words its failures, read into the core's terms.

REST errors are a JSON array: `[{"message": "Required fields are missing: [Name]", "errorCode":
"REQUIRED_FIELD_MISSING", "fields": ["Name"]}]`. The status alone does not say what kind of
failure it is — the daily API allocation running out is a 403 (`REQUEST_LIMIT_EXCEEDED`), a
duplicate unique value a 400 (`DUPLICATE_VALUE`) — so the error code picks the taxonomy class.
An upsert whose external id matches several records answers `300 Multiple Choices` with the
matching records' URLs: a Conflict, though the status is below 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import httpx

from connectors.core.client import Failure, HttpClient, VendorConventions
from connectors.core.errors import (
    AuthError,
    Conflict,
    ConnectorError,
    ErrorContext,
    FieldError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TransientError,
    ValidationFailed,
)
from connectors.salesforce.records import UpsertOutcome

MULTIPLE_CHOICES = 300
ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"

ERROR_CLASSES: Mapping[str, type[ConnectorError]] = MappingProxyType({
    "INVALID_SESSION_ID": AuthError,
    "REQUEST_LIMIT_EXCEEDED": RateLimited,
    "DUPLICATE_VALUE": Conflict,
    "DUPLICATE_EXTERNAL_ID": Conflict,
    "NOT_FOUND": NotFound,
    "ENTITY_IS_DELETED": NotFound,
    "INSUFFICIENT_ACCESS_OR_READONLY": PermissionDenied,
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": PermissionDenied,
    "API_DISABLED_FOR_ORG": PermissionDenied,
    "UNABLE_TO_LOCK_ROW": TransientError,
})
"""Error codes whose kind the HTTP status does not tell; other codes keep the status's class."""

HINTS: Mapping[str, str] = MappingProxyType({
    "INVALID_SESSION_ID": "the access token expired or was revoked and a fresh one was refused "
                          "too; check the connected app, its client id and secret, the refresh "
                          "token and the integration user",
    "REQUEST_LIMIT_EXCEEDED": "the org's API request allocation for the rolling 24 hours is used "
                              "up; capacity returns as earlier requests age out of the window",
    "DUPLICATE_VALUE": "another record already holds this unique value; upsert by the external "
                       "id instead of creating",
    "DUPLICATE_EXTERNAL_ID": "the external id matches several records, or appears twice in the "
                             "batch; make it unique",
    "INVALID_FIELD": "check the field's API name (custom fields end in __c) and the integration "
                     "user's field-level security",
    "MALFORMED_QUERY": "the SOQL does not parse; check the syntax near the position shown",
    "UNABLE_TO_LOCK_ROW": "another transaction holds the record; repeating the call later "
                          "usually succeeds",
})


def _errors(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list):
        return []
    return [item for item in body if isinstance(item, dict) and "errorCode" in item]


def error_code(body: Any) -> str | None:
    """The first `errorCode` of a Salesforce error body, or None if it is not one."""
    errors = _errors(body)
    return str(errors[0]["errorCode"]) if errors else None


def describe_salesforce_error(body: Any) -> tuple[str, list[FieldError]] | None:
    """Each error's code and message, a hint for known codes, and the fields named."""
    errors = _errors(body)
    if not errors:
        return None
    parts: list[str] = []
    field_errors: list[FieldError] = []
    for error in errors:
        code = str(error["errorCode"])
        message = str(error.get("message", "")).strip()
        parts.append(f"{code}: {message}" if message else code)
        if code == "INVALID_FIELD" and "'CurrencyIsoCode'" in message:
            parts.append("the org is not multi-currency: set multi_currency=False in the "
                         "connector's settings")
        elif code in HINTS:
            parts.append(HINTS[code])
        fields = error.get("fields")
        if isinstance(fields, list):
            field_errors.extend(FieldError(str(name), f"{code}: {message}") for name in fields)
    return " — ".join(parts), field_errors


def inspect_salesforce_success(response: httpx.Response, body: Any) -> Failure | None:
    """A 300 from an upsert or a read by external id: the value matches several records."""
    if response.status_code != MULTIPLE_CHOICES:
        return None
    urls = [str(url) for url in body] if isinstance(body, list) else []
    listed = ", ".join(urls) if urls else "no URLs given"
    return Failure(Conflict, f"the external id matches {len(urls)} records, so Salesforce "
                             f"neither created nor updated one ({listed}); make the external id "
                             "field unique or merge the duplicates")


CONVENTIONS = VendorConventions(describe_error=describe_salesforce_error,
                                inspect_success=inspect_salesforce_success)
"""Salesforce has no idempotency-key header: writes are made safe by upserting on an external id."""


class SalesforceHttpClient(HttpClient):
    """The core client, classifying failures by Salesforce's error code where the status does
    not say enough (a 403 that is the daily allocation, a 400 that is a duplicate)."""

    def _describe_failure(self, response: httpx.Response) -> Failure:
        failure = super()._describe_failure(response)
        try:
            code = error_code(response.json())
        except ValueError:
            return failure
        error_class = ERROR_CLASSES.get(code or "")
        if error_class is None:
            return failure
        return Failure(error_class, failure.message, failure.field_errors)


class RecordsRejected(ValidationFailed):
    """Salesforce refused some records of a batch upsert. `outcomes` holds every record's result
    in input order; each refusal is a field error `<external id>.<field>`."""

    def __init__(self, sobject: str, outcomes: list[UpsertOutcome], *, all_or_none: bool,
                 context: ErrorContext) -> None:
        self.outcomes = outcomes
        failed = [outcome for outcome in outcomes if not outcome.success]
        culprits = [outcome for outcome in failed
                    if not all(error.status_code == ROLLED_BACK for error in outcome.errors)]
        field_errors = [FieldError(f"{outcome.external_id}.{name}",
                                   f"{error.status_code}: {error.message}")
                        for outcome in culprits for error in outcome.errors
                        for name in (error.fields or ["record"])]
        if all_or_none:
            effect = "nothing was written (all_or_none rolled every record back)"
        else:
            effect = f"the other {len(outcomes) - len(failed)} were written"
        super().__init__(f"Salesforce refused {len(culprits)} of {len(outcomes)} {sobject} "
                         f"records; {effect}", context=context, field_errors=field_errors)
