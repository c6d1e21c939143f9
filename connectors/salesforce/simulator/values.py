"""Salesforce's checks of a written record body, for the simulator.

A body is checked in Salesforce's order — unknown fields (INVALID_FIELD), read-only fields
(INVALID_FIELD_FOR_INSERT_UPDATE), values of the wrong type (JSON_PARSER_ERROR), invalid emails,
restricted picklists and malformed ids, then required fields (REQUIRED_FIELD_MISSING) — and the
first kind of problem found is reported, every field with it named, as Salesforce does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.salesforce.simulator.schema import FieldDef, ObjectDef, looks_like_id

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SalesforceFault(Exception):
    """A refusal, as Salesforce words it: a status and its list of errors."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(error.get("message")) for error in errors))
        self.status = status
        self.errors = errors

    @classmethod
    def one(cls, status: int, code: str, message: str,
            fields: list[str] | None = None) -> SalesforceFault:
        """A refusal with one error."""
        error: dict[str, Any] = {"message": message, "errorCode": code}
        if fields is not None:
            error["fields"] = fields
        return cls(status, [error])


def not_found() -> SalesforceFault:
    """Salesforce's 404 for an unknown record, object or resource."""
    return SalesforceFault.one(404, "NOT_FOUND", "The requested resource does not exist")


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _parse_error(kind: str, value: Any) -> _Invalid:
    token = "VALUE_STRING" if isinstance(value, str) else f"VALUE_{type(value).__name__.upper()}"
    return _Invalid("JSON_PARSER_ERROR", f"Cannot deserialize instance of {kind} from {token} "
                                         f"value {value!r} or request may be missing a required "
                                         "field")


def _typed(name: str, spec: FieldDef, value: Any, exists: Callable[[str, str], bool]) -> Any:
    """`value` as stored for a field of `spec`, or `_Invalid` as Salesforce words it."""
    if value is None:
        return None
    label = spec.label or name
    if spec.kind == "currency":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _parse_error("currency", value)
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise _parse_error("currency", value) from None
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _parse_error("int", value)
        return value
    if not isinstance(value, str):
        raise _parse_error(spec.kind, value)
    if spec.kind == "date":
        if not _DATE.fullmatch(value):
            raise _parse_error("date", value)
        return date.fromisoformat(value)
    if spec.kind == "email" and not _EMAIL.fullmatch(value):
        raise _Invalid("INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}")
    if spec.kind == "picklist" and value not in spec.values:
        raise _Invalid("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                       f"{label}: bad value for restricted picklist field: {value}")
    if spec.kind == "reference":
        if not looks_like_id(value):
            raise _Invalid("MALFORMED_ID", f"{label}: id value of incorrect type: {value}")
        if not exists(spec.reference_to or "", value):
            raise _Invalid("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    return value


def checked_values(spec: ObjectDef, body: Any, *, creating: bool,
                   exists: Callable[[str, str], bool]) -> dict[str, Any]:
    """The body's fields under canonical names with typed values, or a `SalesforceFault`.

    `exists(object, id)` says whether a referenced record exists.
    """
    if not isinstance(body, dict):
        raise SalesforceFault.one(400, "JSON_PARSER_ERROR",
                                  f"Cannot deserialize instance of {spec.name} from "
                                  f"{type(body).__name__} value")
    fields = {name: value for name, value in body.items() if name != "attributes"}
    unknown = [name for name in fields if spec.canonical(name) is None]
    if unknown:
        raise SalesforceFault.one(400, "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject "
                                                        f"of type {spec.name}")
    named = {spec.canonical(name) or name: value for name, value in fields.items()}
    read_only = [name for name in named if not spec.fields[name].writable]
    if read_only:
        raise SalesforceFault.one(
            400, "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(read_only)}. Please check the security "
            "settings of this field and verify that it is read/write for your profile or "
            "permission set.", read_only)
    typed: dict[str, Any] = {}
    problems: list[tuple[str, _Invalid]] = []
    for name, value in named.items():
        try:
            typed[name] = _typed(name, spec.fields[name], value, exists)
        except _Invalid as invalid:
            problems.append((name, invalid))
    if problems:
        raise SalesforceFault(400, [{"message": invalid.message, "errorCode": invalid.code,
                                     "fields": [name]} for name, invalid in problems])
    required = [name for name, field in spec.fields.items() if field.required and (
        (creating and typed.get(name) in (None, "")) or (name in typed and typed[name] in
                                                          (None, "")))]
    if required:
        raise SalesforceFault.one(400, "REQUIRED_FIELD_MISSING",
                                  f"Required fields are missing: [{', '.join(required)}]",
                                  required)
    return typed
