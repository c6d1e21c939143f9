"""The simulated account's CRM records, and HubSpot's write semantics over them.

No HTTP here: the simulator's endpoints call these methods under its lock, and turn an `ApiError`
into HubSpot's error body. A write that changes nothing leaves `updatedAt` alone and is not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.hubspot.simulator.schema import (
    SCHEMAS,
    Invalid,
    ObjectSchema,
    check_value,
    instant_text,
    parse_datetime,
)

MAX_BATCH = 100


class ApiError(Exception):
    """A refusal, as HubSpot words it: status, message, category, and per-property errors."""

    def __init__(self, status: int, message: str, *, category: str | None = None,
                 invalid: list[Invalid] | None = None,
                 context: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.invalid = invalid or []
        self.context = context


@dataclass
class StoredRecord:
    """One CRM record: its id, its properties as text, and when it was created and changed."""

    id: str
    created_at: datetime
    updated_at: datetime
    properties: dict[str, str] = field(default_factory=dict)

    def to_json(self, schema: ObjectSchema, names: list[str] | None) -> dict[str, Any]:
        """The record as HubSpot answers it: all its properties, or `names` (unset ones as null,
        unknown ones left out) plus the id and the two timestamps HubSpot always adds."""
        if names is None:
            properties: dict[str, str | None] = dict(self.properties)
        else:
            wanted = [*names, "hs_object_id", "createdate", schema.modified_property]
            properties = {name: self.properties.get(name) for name in wanted
                          if name in schema.properties}
        return {"id": self.id, "properties": dict(sorted(properties.items())),
                "createdAt": instant_text(self.created_at),
                "updatedAt": instant_text(self.updated_at), "archived": False}


def _invalid_values(invalid: list[Invalid]) -> ApiError:
    return ApiError(400, "Property values were not valid", category="VALIDATION_ERROR",
                    invalid=invalid)


def _same(schema: ObjectSchema, name: str, left: str, right: str) -> bool:
    if schema.properties[name].kind == "email":
        return left.casefold() == right.casefold()
    return left == right


class CrmStore:
    """Records of every object type, with ids counted per type as HubSpot does."""

    def __init__(self, *, now: Callable[[], datetime], on_write: Callable[[str], object]) -> None:
        self._now = now
        self._on_write = on_write
        self.records: dict[str, dict[str, StoredRecord]] = {name: {} for name in SCHEMAS}
        self._next_id = dict.fromkeys(SCHEMAS, 1001)

    # -- reads ---------------------------------------------------------------------------------

    def page(self, object_type: str, after: int, limit: int) -> tuple[list[StoredRecord],
                                                                      str | None]:
        """Up to `limit` records from id `after` on, by id; and the id that comes next."""
        ordered = sorted((r for r in self.records[object_type].values() if int(r.id) >= after),
                         key=lambda r: int(r.id))
        following = ordered[limit].id if len(ordered) > limit else None
        return ordered[:limit], following

    def find(self, object_type: str, name: str, value: str) -> StoredRecord | None:
        """The record whose property `name` has `value` (emails compared case-insensitively)."""
        schema = SCHEMAS[object_type]
        if name == "hs_object_id":
            return self.records[object_type].get(value)
        return next((r for r in self.records[object_type].values()
                     if name in r.properties and r.properties[name] != ""
                     and _same(schema, name, r.properties[name], value)), None)

    def locate(self, object_type: str, record_id: str, id_property: str | None) -> StoredRecord:
        """The record a URL names, or HubSpot's 404."""
        if id_property is None and not record_id.isdigit():
            raise ApiError(404, "Object not found.  objectId are usually numeric.",
                           category="OBJECT_NOT_FOUND", context={"id": [record_id]})
        if id_property is not None:
            self.unique_property(object_type, id_property)
        record = self.find(object_type, id_property or "hs_object_id", record_id)
        if record is None:
            raise ApiError(404, "resource not found")
        return record

    def unique_property(self, object_type: str, name: str) -> None:
        """Refuse an idProperty that is not a unique-value property of the type."""
        schema = SCHEMAS[object_type]
        if name not in schema.properties:
            raise _invalid_values([Invalid(name, "PROPERTY_DOESNT_EXIST",
                                           f'Property "{name}" does not exist')])
        if name != "hs_object_id" and not schema.properties[name].unique:
            raise ApiError(400, f"{name} is not a unique identifier property. Unique properties "
                                f"are: {', '.join(schema.unique_properties)}",
                           category="VALIDATION_ERROR")

    # -- writes --------------------------------------------------------------------------------

    def checked(self, object_type: str, properties: Mapping[str, str]) -> dict[str, str]:
        """The values to store, or HubSpot's 400 listing every refused property."""
        schema = SCHEMAS[object_type]
        stored: dict[str, str] = {}
        invalid: list[Invalid] = []
        for name, value in properties.items():
            text, problem = check_value(schema, name, value)
            if problem is None:
                stored[name] = text
            else:
                invalid.append(problem)
        if invalid:
            raise _invalid_values(invalid)
        return stored

    def _check_create(self, object_type: str, values: Mapping[str, str]) -> None:
        schema = SCHEMAS[object_type]
        missing = [name for name in schema.required if not values.get(name)]
        if missing:
            raise ApiError(400, f"Error creating {schema.code}. Some required properties were "
                                "not set.", category="VALIDATION_ERROR",
                           context={"properties": missing})

    def _check_unique(self, object_type: str, values: Mapping[str, str],
                      owner: StoredRecord | None) -> None:
        schema = SCHEMAS[object_type]
        for name in schema.unique_properties:
            if not values.get(name):
                continue
            holder = self.find(object_type, name, values[name])
            if holder is not None and holder is not owner:
                detail = "" if name == "email" else f" with {name}={values[name]}"
                raise ApiError(409, f"{schema.label}{detail} already exists. Existing ID: "
                                    f"{holder.id}", category="CONFLICT")

    def create(self, object_type: str, properties: Mapping[str, str], *,
               count: bool = True) -> StoredRecord:
        """A new record; `count=False` seeds one without counting a write."""
        values = self.checked(object_type, properties)
        self._check_create(object_type, values)
        self._check_unique(object_type, values, None)
        record_id = str(self._next_id[object_type])
        self._next_id[object_type] += 1
        schema = SCHEMAS[object_type]
        now = self._now()
        created = parse_datetime(values.pop("createdate", "")) or now
        record = StoredRecord(record_id, created, now, {
            **schema.create_defaults, **{k: v for k, v in values.items() if v != ""},
            "hs_object_id": record_id, "createdate": instant_text(created),
            schema.modified_property: instant_text(now)})
        self.records[object_type][record_id] = record
        if count:
            self._on_write(f"{object_type}:hs_object_id={record_id}")
        return record

    def update(self, record: StoredRecord, object_type: str, properties: Mapping[str, str],
               write_key: str) -> StoredRecord:
        """Set `properties` on `record`; counts a write under `write_key` only if one changed."""
        if not properties:
            raise ApiError(400, "No properties found to update, please provide at least one.",
                           category="VALIDATION_ERROR")
        values = self.checked(object_type, properties)
        self._apply(record, object_type, values, write_key)
        return record

    def _apply(self, record: StoredRecord, object_type: str, values: dict[str, str],
               write_key: str) -> None:
        self._check_unique(object_type, values, record)
        changed = {k: v for k, v in values.items() if record.properties.get(k, "") != v}
        if not changed:
            return
        now = self._now()
        record.properties.update(changed)
        record.properties[SCHEMAS[object_type].modified_property] = instant_text(now)
        record.updated_at = now
        self._on_write(write_key)

    def batch_create(self, object_type: str,
                     inputs: list[dict[str, str]]) -> list[StoredRecord]:
        """Create every record or none: all are checked (values, required properties, unique
        values against the store and within the batch) before the first is written."""
        self._check_batch_size(inputs)
        planned = [self.checked(object_type, properties) for properties in inputs]
        for values in planned:
            self._check_create(object_type, values)
            self._check_unique(object_type, values, None)
        for name in SCHEMAS[object_type].unique_properties:
            seen = [values[name].casefold() for values in planned if values.get(name)]
            repeated = sorted({v for v in seen if seen.count(v) > 1})
            if repeated:
                raise ApiError(400, f"Duplicate {name} values found in batch input: {repeated}",
                               category="VALIDATION_ERROR")
        return [self.create(object_type, values) for values in planned]

    def batch_update(self, object_type: str, id_property: str | None,
                     inputs: list[tuple[str, dict[str, str]]]) -> list[StoredRecord]:
        """Update every record or none: each is found and its values checked first."""
        self._check_batch_size(inputs)
        planned = []
        for record_id, properties in inputs:
            record = self.locate(object_type, record_id, id_property)
            if not properties:
                raise ApiError(400, "No properties found to update, please provide at least "
                                    "one.", category="VALIDATION_ERROR")
            values = self.checked(object_type, properties)
            self._check_unique(object_type, values, record)
            planned.append((record_id, record, values))
        for record_id, record, values in planned:
            key = f"{object_type}:{id_property or 'hs_object_id'}={record_id}"
            self._apply(record, object_type, values, key)
        return [record for _, record, _ in planned]

    @staticmethod
    def _check_batch_size(inputs: list[Any]) -> None:
        if len(inputs) > MAX_BATCH:
            raise ApiError(400, f"Batch input size {len(inputs)} exceeds the maximum of "
                                f"{MAX_BATCH}", category="VALIDATION_ERROR")

    def upsert(self, object_type: str, id_property: str,
               inputs: list[tuple[str, dict[str, str]]]) -> list[tuple[StoredRecord, bool]]:
        """Create or update each `(value, properties)` by `id_property`, all checked first so a
        refused batch writes nothing; each result says whether the record is new."""
        self._check_batch_size(inputs)
        self.unique_property(object_type, id_property)
        values_seen = [value.casefold() for value, _ in inputs]
        repeated = sorted({v for v in values_seen if values_seen.count(v) > 1})
        if repeated:
            raise ApiError(400, f"Duplicate IDs found in batch input: {repeated}",
                           category="VALIDATION_ERROR")
        planned = []
        for value, properties in inputs:
            values = self.checked(object_type, properties)
            if values.setdefault(id_property, value) != value:
                raise ApiError(400, f"{id_property} in properties ({values[id_property]}) "
                                    f"differs from the input's id ({value})",
                               category="VALIDATION_ERROR")
            existing = self.find(object_type, id_property, value)
            if existing is None:
                self._check_create(object_type, values)
            self._check_unique(object_type, values, existing)
            planned.append((value, existing, values))
        results = []
        for value, existing, values in planned:
            key = f"{object_type}:{id_property}={value}"
            if existing is None:
                results.append((self.create(object_type, values, count=False), True))
                self._on_write(key)
            else:
                self._apply(existing, object_type, values, key)
                results.append((existing, False))
        return results
