"""The CRM v3 object endpoints, shared by contacts, companies and deals.

`/crm/v3/objects/{type}`: list (cursor `paging.next.after`), get, create (POST), update (PATCH)
and batch upsert by a unique property. Requests ask for the record's typed properties plus any the
caller names; answers are turned into the typed record, and anything that does not fit becomes a
`ProtocolError` naming the record, never a bare KeyError.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import ValidationError

from connectors.core.client import HttpClient
from connectors.core.errors import ErrorContext, FieldError, ProtocolError, ValidationFailed
from connectors.core.paginators import JsonCursorPaginator
from connectors.hubspot.records import CrmInput, CrmRecord, check_property_name

R = TypeVar("R", bound=CrmRecord)

MAX_PAGE_SIZE = 100
"""HubSpot's largest `limit` for a list page."""
MAX_BATCH = 100
"""HubSpot's largest number of inputs in one batch call."""
BASE_PATH = "/crm/v3/objects"


class CrmObjects(Generic[R]):
    """The endpoints of one object type, answering with records of type `R`."""

    def __init__(self, client: HttpClient, record: type[R]) -> None:
        self._client = client
        self._record = record
        self._path = f"{BASE_PATH}/{record.object_type}"

    # -- reads ---------------------------------------------------------------------------------

    def iterate(self, properties: Sequence[str] | None, page_size: int) -> Iterator[R]:
        """Every record, in HubSpot's order (by id), fetched `page_size` at a time."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise self._refusal("page_size", f"must be between 1 and {MAX_PAGE_SIZE}, "
                                             f"not {page_size}")
        params = {"limit": page_size, "properties": self._properties(properties),
                  "archived": "false"}
        paginator = JsonCursorPaginator(cursor_path="paging.next.after", cursor_param="after")
        raws = self._client.paginate(self._path, paginator=paginator, records_path="results",
                                     params=params)
        return (self._parse(raw, "GET", self._path) for raw in raws)

    def get(self, record_id: str, id_property: str | None,
            properties: Sequence[str] | None) -> R:
        """One record by HubSpot id, or by the value of a unique property."""
        url = self._record_url(record_id)
        params: dict[str, Any] = {"properties": self._properties(properties)}
        if id_property is not None:
            params["idProperty"] = self._property_name("id_property", id_property)
        _, body = self._client.request("GET", url, params=params)
        return self._parse(body, "GET", url)

    # -- writes --------------------------------------------------------------------------------

    def create(self, record: CrmInput) -> R:
        """A new record (not idempotent: each call creates one)."""
        _, body = self._client.request("POST", self._path,
                                       json={"properties": record.to_properties()})
        return self._parse(body, "POST", self._path)

    def update(self, record_id: str, record: CrmInput, id_property: str | None) -> R:
        """Set properties on one existing record; repeating it changes nothing more."""
        url = self._record_url(record_id)
        params = ({"idProperty": self._property_name("id_property", id_property)}
                  if id_property is not None else None)
        _, body = self._client.request("PATCH", url, params=params,
                                       json={"properties": record.to_properties()},
                                       idempotent=True)
        return self._parse(body, "PATCH", url)

    def upsert(self, records: Sequence[CrmInput], id_property: str) -> list[R]:
        """Create or update each record by its value of `id_property`, in batches of 100;
        the answers in the order of `records`."""
        id_property = self._property_name("id_property", id_property)
        inputs = [self._upsert_input(record, id_property) for record in records]
        self._refuse_duplicates(inputs, id_property)
        url = f"{self._path}/batch/upsert"
        results: list[R] = []
        for start in range(0, len(inputs), MAX_BATCH):
            chunk = inputs[start:start + MAX_BATCH]
            _, body = self._client.request("POST", url, json={"inputs": chunk}, idempotent=True)
            results.extend(self._in_input_order(body, chunk, id_property, url))
        return results

    # -- helpers -------------------------------------------------------------------------------

    def _context(self, method: str = "", url: str = "") -> ErrorContext:
        full = f"{self._client.base_url}{url}" if url else ""
        return ErrorContext(connector=self._client.connector, method=method, url=full)

    def _refusal(self, field: str, message: str) -> ValidationFailed:
        return ValidationFailed(f"refused before sending: {field} {message}",
                                context=self._context(),
                                field_errors=[FieldError(field, message)])

    def _property_name(self, field: str, name: str) -> str:
        try:
            return check_property_name(name)
        except ValueError as exc:
            raise self._refusal(field, str(exc)) from None

    def _properties(self, extra: Sequence[str] | None) -> str:
        names = list(self._record.typed_properties())
        for name in extra or ():
            if self._property_name("properties", name) not in names:
                names.append(name)
        return ",".join(names)

    def _record_url(self, record_id: str) -> str:
        if not str(record_id).strip():
            raise self._refusal("record_id", "must not be empty")
        return f"{self._path}/{quote(str(record_id), safe='')}"

    def _upsert_input(self, record: CrmInput, id_property: str) -> dict[str, Any]:
        properties = record.to_properties()
        value = properties.get(id_property, "")
        if not value:
            raise self._refusal(id_property, f"is the id_property of this upsert, so every "
                                             f"record must set it; one does not: {properties}")
        return {"idProperty": id_property, "id": value, "properties": properties}

    def _refuse_duplicates(self, inputs: list[dict[str, Any]], id_property: str) -> None:
        seen: set[str] = set()
        repeated: list[str] = []
        for item in inputs:
            key = str(item["id"]).casefold()
            if key in seen:
                repeated.append(str(item["id"]))
            seen.add(key)
        if repeated:
            raise self._refusal(id_property, f"values repeat within one upsert "
                                             f"({', '.join(repeated)}): which of the records "
                                             "should win is ambiguous")

    def _in_input_order(self, body: Any, chunk: list[dict[str, Any]], id_property: str,
                        url: str) -> list[R]:
        raw_results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(raw_results, list):
            raise ProtocolError("a batch upsert answered without a 'results' list",
                                context=self._context("POST", url))
        by_value: dict[str, Any] = {}
        for raw in raw_results:
            properties = raw.get("properties") if isinstance(raw, dict) else None
            value = properties.get(id_property) if isinstance(properties, dict) else None
            if isinstance(value, str):
                by_value[value.casefold()] = raw
        ordered = []
        for item in chunk:
            raw = by_value.get(str(item["id"]).casefold())
            if raw is None:
                raise ProtocolError(
                    f"a batch upsert answered without the record whose {id_property} is "
                    f"{item['id']!r}; its write is unconfirmed (repeating the upsert is safe)",
                    context=self._context("POST", url))
            ordered.append(self._parse(raw, "POST", url))
        return ordered

    def _parse(self, raw: Any, method: str, url: str) -> R:
        try:
            return self._record.model_validate(raw)
        except ValidationError as exc:
            record_id = raw.get("id") if isinstance(raw, dict) else None
            problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'record'}: "
                                 f"{error['msg']}" for error in exc.errors())
            raise ProtocolError(
                f"HubSpot answered a {self._record.__name__} that does not fit its model "
                f"(id {record_id!r}): {problems}",
                context=self._context(method, url)) from None
