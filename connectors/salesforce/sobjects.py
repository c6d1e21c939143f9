"""The REST endpoints of one sObject type, shared by the typed resources, and SOQL queries.

`/services/data/vXX.X/query` (pages followed through `nextRecordsUrl` until `done`),
`/sobjects/{type}/{id}` (get, PATCH update), `/sobjects/{type}` (POST create),
`/sobjects/{type}/{field}/{value}` (get and PATCH upsert by external id) and
`/composite/sobjects/{type}/{field}` (upsert of up to 200 records). Answers become typed records;
an answer that does not fit becomes a `ProtocolError` naming the record, never a bare KeyError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from connectors.core.client import HttpClient
from connectors.core.errors import (
    ErrorContext,
    FieldError,
    ProtocolError,
    ValidationFailed,
)
from connectors.core.paginators import NextUrlPaginator
from connectors.salesforce.errors import RecordsRejected
from connectors.salesforce.inputs import SObjectInput
from connectors.salesforce.records import (
    RecordError,
    SaveResult,
    SObject,
    SObjectRecord,
    UpsertOutcome,
    UpsertResult,
)

R = TypeVar("R", bound=SObject)
M = TypeVar("M", bound=BaseModel)

CURRENCY_FIELD = "CurrencyIsoCode"
"""Exists only in multi-currency orgs; selecting it elsewhere is INVALID_FIELD."""
MAX_COLLECTION = 200
"""Salesforce's largest sObject Collections request."""
_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def refusal(field: str, message: str, connector: str) -> ValidationFailed:
    """An argument refused before anything was sent."""
    return ValidationFailed(f"not sent: {field} {message}", field_errors=[FieldError(field,
                                                                                     message)],
                            context=ErrorContext(connector=connector))


def parse_answer(model: type[M], raw: Any, client: HttpClient, method: str, url: str) -> M:
    """`raw` as `model`, or a ProtocolError saying what did not fit."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or 'body'}: "
                             f"{error['msg']}" for error in exc.errors()[:5])
        raise ProtocolError(f"Salesforce answered with a {model.__name__} the connector cannot "
                            f"read ({problems})",
                            context=ErrorContext(connector=client.connector, method=method,
                                                 url=url, body=str(raw))) from None


def run_query(client: HttpClient, api: str, soql: str) -> Iterator[Any]:
    """Every raw record a SOQL query returns, batch after batch, in Salesforce's order."""
    paginator = NextUrlPaginator(next_url_path="nextRecordsUrl", done_path="done")
    return client.paginate(f"{api}/query", paginator=paginator, records_path="records",
                           params={"q": soql})


def query_records(client: HttpClient, api: str, soql: str) -> Iterator[SObjectRecord]:
    """`run_query` as `SObjectRecord`s."""
    for raw in run_query(client, api, soql):
        yield parse_answer(SObjectRecord, raw, client, "GET", f"{api}/query")


def soql_datetime(moment: datetime) -> str:
    """A SOQL dateTime literal (`2024-01-01T00:00:00Z`), floored to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SObjects(Generic[R]):
    """The endpoints of one object type, answering with records of type `R`."""

    def __init__(self, client: HttpClient, api: str, *, multi_currency: bool,
                 record: type[R]) -> None:
        self._client = client
        self._fields = [name for name in record.soql_fields()
                        if multi_currency or name != CURRENCY_FIELD]
        self._api = api
        self._record = record
        self._type = record.sobject_type
        self._path = f"{api}/sobjects/{self._type}"

    # -- reads ---------------------------------------------------------------------------------

    def iterate(self, modified_since: datetime | None, limit: int | None) -> Iterator[R]:
        """Records modified at or after `modified_since`, oldest change first."""
        soql = f"SELECT {', '.join(self._fields)} FROM {self._type}"  # noqa: S608 - model names only
        if modified_since is not None:
            if modified_since.utcoffset() is None:
                raise refusal("modified_since", "has no timezone; refusing to guess one",
                              self._client.connector)
            soql += f" WHERE LastModifiedDate >= {soql_datetime(modified_since)}"
        soql += " ORDER BY LastModifiedDate ASC"
        if limit is not None:
            if limit < 1:
                raise refusal("limit", f"must be at least 1, not {limit}", self._client.connector)
            soql += f" LIMIT {limit}"
        for raw in run_query(self._client, self._api, soql):
            yield parse_answer(self._record, raw, self._client, "GET", f"{self._api}/query")

    def get(self, record_id: str) -> R:
        """One record by its 15- or 18-character id."""
        if not _RECORD_ID.fullmatch(record_id):
            raise refusal("record_id", f"{record_id!r} is not a Salesforce id (15 or 18 letters "
                                       "and digits)", self._client.connector)
        url = f"{self._path}/{record_id}"
        _, body = self._client.request("GET", url)
        return parse_answer(self._record, body, self._client, "GET", url)

    def get_by_external_id(self, field: str, value: str) -> R:
        """The one record whose external id `field` is `value`; Conflict if several match."""
        url = self._external_url(field, value)
        _, body = self._client.request("GET", url)
        return parse_answer(self._record, body, self._client, "GET", url)

    # -- writes --------------------------------------------------------------------------------

    def create(self, record: SObjectInput) -> SaveResult:
        """POST a new record; not retried once Salesforce may have received it."""
        _, body = self._client.request("POST", self._path, json=record.body())
        return parse_answer(SaveResult, body, self._client, "POST", self._path)

    def update(self, record_id: str, record: SObjectInput) -> None:
        """PATCH the given fields of an existing record (204 No Content)."""
        if not _RECORD_ID.fullmatch(record_id):
            raise refusal("record_id", f"{record_id!r} is not a Salesforce id (15 or 18 letters "
                                       "and digits)", self._client.connector)
        self._client.request("PATCH", f"{self._path}/{record_id}", json=record.body(),
                             idempotent=True)

    def upsert(self, record: SObjectInput, field: str) -> UpsertResult:
        """PATCH by external id: 201 with created=true, or 200 with created=false (v46.0+)."""
        value = self._external_value(record, field)
        url = self._external_url(field, value)
        response, body = self._client.request("PATCH", url, json=record.body(without=field),
                                              idempotent=True)
        if body is None:
            raise ProtocolError(
                f"the upsert answered {response.status_code} without a result; Salesforce API "
                "versions before 46.0 do that — set api_version to 46.0 or later",
                context=ErrorContext(connector=self._client.connector, method="PATCH", url=url,
                                     status=response.status_code))
        return parse_answer(UpsertResult, body, self._client, "PATCH", url)

    def upsert_many(self, records: Sequence[SObjectInput], field: str,
                    all_or_none: bool) -> list[UpsertOutcome]:
        """Upsert in sObject Collections of 200; raise `RecordsRejected` if any record failed."""
        if all_or_none and len(records) > MAX_COLLECTION:
            raise refusal("records", f"holds {len(records)} records; all_or_none can only hold "
                                     f"for one request of at most {MAX_COLLECTION}",
                          self._client.connector)
        values = [self._external_value(record, field) for record in records]
        url = f"{self._api}/composite/sobjects/{self._type}/{quote(field, safe='')}"
        outcomes: list[UpsertOutcome] = []
        for start in range(0, len(records), MAX_COLLECTION):
            chunk = records[start:start + MAX_COLLECTION]
            payload = {"allOrNone": all_or_none, "records": [
                {"attributes": {"type": self._type}, **record.body(), field: value}
                for record, value in zip(chunk, values[start:], strict=False)]}
            _, body = self._client.request("PATCH", url, json=payload, idempotent=True)
            if not isinstance(body, list) or len(body) != len(chunk):
                raise ProtocolError(
                    f"expected {len(chunk)} results in input order, got "
                    f"{len(body) if isinstance(body, list) else type(body).__name__}",
                    context=ErrorContext(connector=self._client.connector, method="PATCH",
                                         url=url, body=str(body)))
            outcomes.extend(self._outcome(raw, value, url)
                            for raw, value in zip(body, values[start:], strict=False))
        failed = [outcome for outcome in outcomes if not outcome.success]
        if failed:
            raise RecordsRejected(self._type, outcomes, all_or_none=all_or_none,
                                  context=ErrorContext(connector=self._client.connector,
                                                       method="PATCH", url=url))
        return outcomes

    # -- helpers -------------------------------------------------------------------------------

    def _outcome(self, raw: Any, value: str, url: str) -> UpsertOutcome:
        if not isinstance(raw, dict):
            raw = {}
        errors = [RecordError(status_code=str(error.get("statusCode", "UNKNOWN")),
                              message=str(error.get("message", "")),
                              fields=[str(name) for name in error.get("fields") or []])
                  for error in raw.get("errors") or [] if isinstance(error, dict)]
        return parse_answer(UpsertOutcome, {**raw, "external_id": value, "errors": errors},
                            self._client, "PATCH", url)

    def _external_value(self, record: SObjectInput, field: str) -> str:
        value = record.value_of(field)
        if value is None or str(value) == "":
            raise refusal(field, f"must be set on every record to upsert by it (the external id "
                                 f"fields of {self._type} here: "
                                 f"{', '.join(self._record.external_id_fields)})",
                          self._client.connector)
        return str(value)

    def _external_url(self, field: str, value: str) -> str:
        if not value:
            raise refusal("external_id", "must not be empty", self._client.connector)
        return f"{self._path}/{quote(field, safe='')}/{quote(value, safe='')}"
