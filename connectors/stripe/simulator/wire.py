"""How the Stripe simulator reads requests and words its answers, as Stripe does.

Kept apart from the simulator's state: Stripe's error object and 401s, its form and query parsing
(with its "Received unknown parameter" refusals), its list pages (`limit`, `starting_after`,
`ending_before`, `has_more`), and its checks of customer parameters and metadata.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

DOCS = "https://stripe.com/docs"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
CREATED_FILTERS = ("created", "created[gt]", "created[gte]", "created[lt]", "created[lte]")
LIST_PARAMS = ("limit", "starting_after", "ending_before")
MAX_LIMIT = 100
CUSTOMER_FIELDS = ("email", "name", "description", "phone")
METADATA_MAX_KEYS, METADATA_MAX_KEY_LENGTH, METADATA_MAX_VALUE_LENGTH = 50, 40, 500
DEFAULT_LIMIT = 10
_EXPAND = re.compile(r"^expand\[\d*\]$")
_BRACKETED = re.compile(r"^([a-z_]+)\[([^\[\]]*)\]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NO_KEY = ("You did not provide an API key. You need to provide your API key in the Authorization "
           "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
           "https://stripe.com/docs/api#authentication for details, or we can help at "
           "https://support.stripe.com/.")


@dataclass(eq=False)
class StripeApiError(Exception):
    """An answer in Stripe's error shape: `{"error": {"type", "message", "code", "param"}}`."""

    status: int
    type: str
    message: str
    _: KW_ONLY  # the rest by name: `code` and `param` are both optional strings
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body Stripe sends for this error."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None,
            status: int = 400) -> StripeApiError:
    """Stripe's `invalid_request_error`."""
    return StripeApiError(status, "invalid_request_error", message, code=code, param=param)


def no_such(kind: str, object_id: str, *, param: str, status: int = 404) -> StripeApiError:
    """Stripe's `resource_missing`: `No such customer: 'cus_…'`."""
    return invalid(f"No such {kind}: '{object_id}'", param=param, code="resource_missing",
                   status=status)


def presented_key(request: Request) -> str:
    """The API key a request carries: as a bearer token, or as the user of basic auth."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return credential
    try:
        return base64.b64decode(credential, validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return credential


def check_key(presented: str, expected: str) -> None:
    """Stripe's 401s: one for a missing key, one for a wrong key (echoed masked)."""
    if presented == expected:
        return
    message = f"Invalid API Key provided: {masked(presented)}" if presented else _NO_KEY
    raise StripeApiError(401, "invalid_request_error", message,
                         headers={"WWW-Authenticate": 'Basic realm="Stripe"'})


def masked(key: str) -> str:
    """A key as Stripe echoes it in a 401: its mode prefix and last four characters only."""
    match = re.match(r"^([a-z]+_(?:test|live)_)", key)
    if match is None or len(key) < len(match.group(1)) + 8:
        return "*" * len(key)
    return f"{match.group(1)}****{key[-4:]}"


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The form fields of a POST, refusing a body that is not form-encoded (JSON, say)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if body and not content_type.startswith(FORM_CONTENT_TYPE):
        raise invalid("Invalid request (check that your POST content type is "
                      f"{FORM_CONTENT_TYPE}). If you have any questions, we can help at "
                      "https://support.stripe.com/.")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise invalid("Invalid request: the body is not UTF-8 text.") from None


def is_expand(name: str) -> bool:
    """Whether a parameter name is one of `expand[]`'s spellings (`expand[]`, `expand[0]`)."""
    return bool(_EXPAND.match(name))


def query_params(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """The query string as a dict, refusing any parameter the endpoint does not know."""
    known = set(allowed)
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if is_expand(name):
            continue  # accepted everywhere, applied to the answer (expansion.py)
        if name not in known:
            raise invalid(f"Received unknown parameter: {name}", param=name)
        params[name] = value
    return params


def split_bracket(name: str) -> tuple[str, str | None]:
    """`metadata[plan]` → (`metadata`, `plan`); `email` → (`email`, None)."""
    match = _BRACKETED.match(name)
    return (match.group(1), match.group(2)) if match else (name, None)


def integer(params: dict[str, str], name: str) -> int | None:
    """An integer parameter, or None when absent; Stripe's refusal when it is not one."""
    if name not in params:
        return None
    try:
        return int(params[name])
    except ValueError:
        raise invalid(f"Invalid integer: {params[name]}", param=name) from None


def created_matcher(params: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    """A predicate for `created`, `created[gte]` and the other creation-time bounds."""
    bounds = {name: integer(params, name) for name in CREATED_FILTERS}
    tests: list[Callable[[int], bool]] = []
    for name, bound in bounds.items():
        if bound is None:
            continue
        tests.append({"created": bound.__eq__, "created[gt]": bound.__lt__,
                      "created[gte]": bound.__le__, "created[lt]": bound.__gt__,
                      "created[lte]": bound.__ge__}[name])
    return lambda record: all(test(record["created"]) for test in tests)


@dataclass(frozen=True)
class Page:
    """One page of a Stripe list."""

    data: list[dict[str, Any]]
    has_more: bool


def list_page(params: dict[str, str], ordered: Sequence[dict[str, Any]], kind: str,
              matches: Callable[[dict[str, Any]], bool], *, repeat_cursor: bool = False) -> Page:
    """The page `params` asks for from `ordered` (Stripe's order), keeping only `matches`.

    A cursor is looked up in the full listing, so it stays valid while filters hide it.
    `repeat_cursor` simulates a broken server: the cursor is ignored and `has_more` stays true.
    """
    limit = integer(params, "limit")
    limit = DEFAULT_LIMIT if limit is None else limit
    if limit < 1:
        raise invalid("This value must be greater than or equal to 1.", param="limit")
    if limit > MAX_LIMIT:
        raise invalid(f"This value must be less than or equal to {MAX_LIMIT}.", param="limit")
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise invalid("You may only specify one of these parameters: ending_before, "
                      "starting_after.")
    if after and repeat_cursor:
        return Page(_kept(ordered, matches)[:limit], True)
    if after:
        older = _kept(ordered[_position(ordered, after, kind, "starting_after") + 1:], matches)
        return Page(older[:limit], len(older) > limit)
    if before:
        newer = _kept(ordered[:_position(ordered, before, kind, "ending_before")], matches)
        return Page(newer[-limit:], len(newer) > limit)
    kept = _kept(ordered, matches)
    return Page(kept[:limit], len(kept) > limit)


def _kept(records: Sequence[dict[str, Any]],
          matches: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [record for record in records if matches(record)]


def _position(ordered: Sequence[dict[str, Any]], object_id: str, kind: str, param: str) -> int:
    for index, record in enumerate(ordered):
        if record["id"] == object_id:
            return index
    raise no_such(kind, object_id, param=param, status=400)


def customer_changes(pairs: Sequence[tuple[str, str]]
                     ) -> tuple[dict[str, str | None], dict[str, str], bool]:
    """Stripe's customer parameters: plain fields, metadata entries, and a metadata reset.

    An empty value clears a field; unknown parameters and malformed values are refused.
    """
    fields: dict[str, str | None] = {}
    metadata: dict[str, str] = {}
    reset = False
    for name, value in pairs:
        base, key = split_bracket(name)
        if base in CUSTOMER_FIELDS and key is None:
            fields[base] = value or None
        elif base == "metadata" and key is None and value == "":
            reset = True
        elif base == "metadata" and key:
            metadata[key] = value
        else:
            raise invalid(f"Received unknown parameter: {name}", param=name)
    email = fields.get("email")
    if email is not None and not _EMAIL.match(email):
        raise invalid(f"Invalid email address: {email}", param="email", code="email_invalid")
    for key, value in metadata.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise invalid(f"Metadata keys can have up to {METADATA_MAX_KEY_LENGTH} "
                          f"characters; '{key}' has {len(key)}.", param=f"metadata[{key}]")
        if len(value) > METADATA_MAX_VALUE_LENGTH:
            raise invalid(f"Metadata values can have up to {METADATA_MAX_VALUE_LENGTH} "
                          "characters.", param=f"metadata[{key}]")
    return fields, metadata, reset


def merged_metadata(current: dict[str, str], metadata: dict[str, str],
                    reset: bool) -> dict[str, str]:
    """`current` with `metadata` merged in: "" removes a key, `reset` starts from empty."""
    merged = {} if reset else dict(current)
    for key, value in metadata.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    if len(merged) > METADATA_MAX_KEYS:
        raise invalid(f"Metadata can have up to {METADATA_MAX_KEYS} keys.", param="metadata")
    return merged
