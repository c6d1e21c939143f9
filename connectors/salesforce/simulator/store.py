"""The simulated org's records, and Salesforce's write semantics over them.

No HTTP here: the simulator's endpoints call these methods under its lock and turn a
`SalesforceFault` into Salesforce's error body. Records are dicts of canonical field names to typed
values, kept per object in creation order. A write is counted (`count_write`, keyed by the
record's external id when it has one) when it creates a record or changes a value; a write that
changes nothing leaves `LastModifiedDate` alone and is not counted.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.salesforce.simulator.schema import ObjectDef, id15, looks_like_id, to_18
from connectors.salesforce.simulator.values import SalesforceFault, checked_values, not_found

MAX_COLLECTION = 200
ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
               "message": "Record rolled back because not all records were valid and the request "
                          "was using AllOrNone header", "fields": []}

Row = dict[str, Any]
Table = dict[str, Row]


class MultipleMatches(Exception):
    """An external id value that matches several records (Salesforce answers 300)."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(", ".join(ids))
        self.ids = ids


@dataclass(frozen=True)
class Upserted:
    """What an upsert did: the record's id, whether it was created, and its write key if it
    changed anything."""

    id: str
    created: bool
    write_key: str | None


class OrgStore:
    """Every record of the org, by object."""

    def __init__(self, objects: dict[str, ObjectDef], *, now: Callable[[], datetime],
                 count_write: Callable[[str], int], first_number: int = 0) -> None:
        self.objects = objects
        self.tables: dict[str, Table] = {spec.name: {} for spec in objects.values()}
        self._now = now
        self._count_write = count_write
        self._next_number = first_number

    # -- lookups -------------------------------------------------------------------------------

    def spec(self, sobject: str) -> ObjectDef:
        """The object called `sobject` (any casing); 404 if the org has none."""
        spec = self.objects.get(sobject.lower())
        if spec is None:
            raise not_found()
        return spec

    def get(self, sobject: str, record_id: str) -> Row:
        """One record by its 15- or 18-character id; 404 if there is none."""
        spec = self.spec(sobject)
        if not looks_like_id(record_id):
            raise SalesforceFault.one(404, "NOT_FOUND", "Provided external ID field does not "
                                                        f"exist or is not accessible: {record_id}")
        row = self.tables[spec.name].get(to_18(record_id[:15]))
        if row is None:
            raise not_found()
        return row

    def exists(self, sobject: str, record_id: str) -> bool:
        """Whether the record exists (for lookups)."""
        table = self.tables.get(self.spec(sobject).name, {})
        return looks_like_id(record_id) and to_18(record_id[:15]) in table

    def external_id_field(self, sobject: str, field: str) -> str:
        """The canonical name of an External ID field; 404 if `field` is not one."""
        spec = self.spec(sobject)
        canonical = spec.canonical(field)
        if canonical is None or canonical not in spec.external_ids:
            raise SalesforceFault.one(404, "NOT_FOUND", "Provided external ID field does not "
                                                        f"exist or is not accessible: {field}")
        return canonical

    def find(self, sobject: str, field: str, value: str, table: Table | None = None) -> list[Row]:
        """Records whose external id `field` equals `value` (ignoring case, as Salesforce)."""
        rows = table if table is not None else self.tables[self.spec(sobject).name]
        wanted = value.casefold()
        return [row for row in rows.values()
                if isinstance(row.get(field), str) and row[field].casefold() == wanted]

    # -- writes --------------------------------------------------------------------------------

    def insert(self, sobject: str, values: Row, *, created: datetime | None = None,
               modified: datetime | None = None) -> Row:
        """Store a record as given (seeding; no checks), with a new id and timestamps."""
        spec = self.spec(sobject)
        row = self._new_row(spec, values, created, modified)
        self.tables[spec.name][row["Id"]] = row
        return row

    def create(self, sobject: str, body: Any) -> str:
        """POST /sobjects/{object}: check, store, count; the new id."""
        spec = self.spec(sobject)
        values = checked_values(spec, body, creating=True, exists=self.exists)
        table = self.tables[spec.name]
        self._check_unique(spec, table, values, None)
        row = self.insert(spec.name, values)
        self._count_write(self._write_key(spec, row))
        return str(row["Id"])

    def update(self, sobject: str, record_id: str, body: Any) -> None:
        """PATCH /sobjects/{object}/{id}: check and apply; 404 for an unknown record."""
        spec = self.spec(sobject)
        row = self.get(spec.name, record_id)
        values = checked_values(spec, body, creating=False, exists=self.exists)
        self._check_unique(spec, self.tables[spec.name], values, row["Id"])
        if self._apply(row, values):
            self._count_write(self._write_key(spec, row))

    def upsert(self, sobject: str, field: str, value: str, body: Any) -> Upserted:
        """PATCH /sobjects/{object}/{field}/{value}: create or update by external id."""
        spec = self.spec(sobject)
        field = self.external_id_field(spec.name, field)
        result = self._upsert(spec, self.tables[spec.name], field, value, body)
        if result.write_key is not None:
            self._count_write(result.write_key)
        return result

    def upsert_collection(self, sobject: str, field: str, records: Any,
                          all_or_none: bool) -> list[dict[str, Any]]:
        """PATCH /composite/sobjects/{object}/{field}: per-record results, in input order.

        With `all_or_none`, one failure rolls every record back: the failures keep their errors,
        the others report ALL_OR_NONE_OPERATION_ROLLED_BACK.
        """
        spec = self.spec(sobject)
        field = self.external_id_field(spec.name, field)
        if not isinstance(records, list):
            raise SalesforceFault.one(400, "JSON_PARSER_ERROR", "records must be a list")
        if len(records) > MAX_COLLECTION:
            raise SalesforceFault.one(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot "
                                      f"submit more than {MAX_COLLECTION} records into this call")
        for record in records:
            attributes = record.get("attributes") if isinstance(record, dict) else None
            if not isinstance(attributes, dict) or str(attributes.get("type", "")).lower() != \
                    spec.name.lower():
                raise SalesforceFault.one(400, "INVALID_TYPE", "each record needs an attributes "
                                          f"map whose type is {spec.name}")
        values = [str(record.get(field) or "") for record in records]
        work = copy.deepcopy(self.tables[spec.name])
        results: list[dict[str, Any]] = []
        keys: list[str] = []
        for record, value in zip(records, values, strict=True):
            if not value:
                results.append(_failure("MISSING_ARGUMENT", f"{field} not specified", []))
            elif sum(other.casefold() == value.casefold() for other in values) > 1:
                results.append(_failure("DUPLICATE_EXTERNAL_ID",
                                        f"Duplicate external id specified: {value}", [field]))
            else:
                results.append(self._collection_item(spec, work, field, value, record, keys))
        failed = any(not result["success"] for result in results)
        if all_or_none and failed:
            return [result if not result["success"] else {"success": False,
                                                          "errors": [dict(ROLLED_BACK)]}
                    for result in results]
        self.tables[spec.name] = work
        for key in keys:
            self._count_write(key)
        return results

    # -- helpers -------------------------------------------------------------------------------

    def _collection_item(self, spec: ObjectDef, work: Table, field: str, value: str,
                         record: dict[str, Any], keys: list[str]) -> dict[str, Any]:
        body = {name: item for name, item in record.items() if name != field}
        try:
            result = self._upsert(spec, work, field, value, body)
        except SalesforceFault as fault:
            first = fault.errors[0]
            return _failure(str(first["errorCode"]), str(first["message"]),
                            list(first.get("fields") or []))
        except MultipleMatches:
            return _failure("DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}",
                            [field])
        if result.write_key is not None:
            keys.append(result.write_key)
        return {"id": result.id, "success": True, "errors": [], "created": result.created}

    def _upsert(self, spec: ObjectDef, table: Table, field: str, value: str,
                body: Any) -> Upserted:
        matches = self.find(spec.name, field, value, table)
        if len(matches) > 1:
            raise MultipleMatches([str(row["Id"]) for row in matches])
        if not matches:
            values = checked_values(spec, body, creating=True, exists=self.exists)
            values.setdefault(field, value)
            self._check_unique(spec, table, values, None)
            row = self._new_row(spec, values)
            table[row["Id"]] = row
            return Upserted(row["Id"], True, self._write_key(spec, row))
        row = matches[0]
        values = checked_values(spec, body, creating=False, exists=self.exists)
        self._check_unique(spec, table, values, row["Id"])
        changed = self._apply(row, values)
        return Upserted(row["Id"], False, self._write_key(spec, row) if changed else None)

    def _new_row(self, spec: ObjectDef, values: Row, created: datetime | None = None,
                 modified: datetime | None = None) -> Row:
        self._next_number += 1
        moment = created or self._now()
        return {"Id": to_18(id15(spec.key_prefix, self._next_number)), "CreatedDate": moment,
                "LastModifiedDate": modified or moment, **values}

    def _apply(self, row: Row, values: Row) -> bool:
        changed = any(row.get(name) != value for name, value in values.items())
        if changed:
            row.update(values)
            row["LastModifiedDate"] = self._now()
        return changed

    def _check_unique(self, spec: ObjectDef, table: Table, values: Row,
                      record_id: str | None) -> None:
        for name, value in values.items():
            if not spec.fields[name].unique or not isinstance(value, str):
                continue
            clash = next((row for row in self.find(spec.name, name, value, table)
                          if row["Id"] != record_id), None)
            if clash is not None:
                raise SalesforceFault.one(400, "DUPLICATE_VALUE",
                                          f"duplicate value found: {name} duplicates value on "
                                          f"record with id: {clash['Id']}", [])

    @staticmethod
    def _write_key(spec: ObjectDef, row: Row) -> str:
        for field in spec.external_ids:
            if row.get(field):
                return f"{spec.name}/{field}/{str(row[field]).casefold()}"
        return f"{spec.name}/{row['Id']}"


def _failure(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"success": False, "errors": [{"statusCode": code, "message": message,
                                          "fields": fields}]}
