"""The simulator's query resource: SOQL over the org's records, served in batches.

`GET /services/data/vXX.X/query?q=…` answers `{"totalSize", "done", "records": [...],
"nextRecordsUrl"}`; the results are a snapshot taken when the query runs, kept behind a query
locator and served `batch_size` (at most 2000) records at a time from
`/services/data/vXX.X/query/01g…-2000`. A locator left unused for 15 minutes expires
(INVALID_QUERY_LOCATOR), as Salesforce documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.salesforce.simulator.schema import wire
from connectors.salesforce.simulator.soql import SoqlError, parse
from connectors.salesforce.simulator.store import OrgStore
from connectors.salesforce.simulator.values import SalesforceFault

MAX_BATCH_SIZE = 2000
LOCATOR_TIMEOUT_S = 15 * 60.0


@dataclass
class _Cursor:
    records: list[dict[str, Any]]
    last_used: float
    batch_size: int


def record_json(version: str, sobject: str, row: dict[str, Any],
                fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A stored record as the REST API writes it: `attributes`, then the fields asked for."""
    names = fields if fields is not None else tuple(row)
    return {"attributes": {"type": sobject,
                           "url": f"/services/data/{version}/sobjects/{sobject}/{row['Id']}"},
            **{name: wire(row.get(name)) for name in names}}


class QueryService:
    """Runs queries and serves their batches. Test options: `repeat_cursor` makes every page
    after the first point back at the second page; `omit_next_records_url` leaves the next URL out
    of pages that are not done (a broken page)."""

    def __init__(self, store: OrgStore, *, now: Callable[[], float], batch_size: int) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        self.store = store
        self.batch_size = batch_size
        self.repeat_cursor = False
        self.omit_next_records_url = False
        self._now = now
        self._cursors: dict[str, _Cursor] = {}

    def run(self, version: str, soql: str | None,
            batch_size: int | None = None) -> dict[str, Any]:
        """The first batch of a query's results; later batches keep its size (the one the client
        asked for, within the simulator's own `batch_size`)."""
        if not soql:
            raise SalesforceFault.one(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            query = parse(soql, self.store.objects)
        except SoqlError as error:
            raise SalesforceFault.one(400, error.code, error.message) from None
        rows = query.run(list(self.store.tables[query.sobject].values()))
        records = [record_json(version, query.sobject, row, query.fields) for row in rows]
        locator = f"01g5g0{len(self._cursors) + 1:09d}AAQ"
        size = min(batch_size or self.batch_size, self.batch_size)
        self._cursors[locator] = _Cursor(records, self._now(), size)
        return self._page(version, locator, 0)

    def more(self, version: str, reference: str) -> dict[str, Any]:
        """A later batch, from the `01g…-2000` reference in a `nextRecordsUrl`."""
        locator, _, offset = reference.rpartition("-")
        cursor = self._cursors.get(locator)
        if cursor is None or not offset.isdigit() or (
                self._now() - cursor.last_used > LOCATOR_TIMEOUT_S):
            self._cursors.pop(locator, None)
            raise SalesforceFault.one(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.last_used = self._now()
        return self._page(version, locator, int(offset))

    def _page(self, version: str, locator: str, offset: int) -> dict[str, Any]:
        records, size = self._cursors[locator].records, self._cursors[locator].batch_size
        following = offset + size
        page: dict[str, Any] = {"totalSize": len(records), "done": following >= len(records),
                                "records": records[offset:following]}
        if not page["done"]:
            if self.repeat_cursor and offset > 0:
                following = size
            if not self.omit_next_records_url:
                page["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{following}"
        return page
