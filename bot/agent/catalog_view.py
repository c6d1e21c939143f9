"""The connector catalog as the model reads it: a summary up front, details on demand.

The summary is part of the stable prompt prefix, so it is rendered deterministically from the
catalog (sorted, no timestamps): the same checkout always gives the same bytes, and prompt caching
holds across a job's calls. Details — an operation's full docs and quirks, a record's fields — are
fetched by the model through a tool when it needs them, which keeps the prefix small.
"""

from __future__ import annotations

import json
from typing import Any

from connectors.core.catalog import Catalog, ConnectorSpec, OperationSpec, RecordSpec


def _signature(operation: OperationSpec) -> str:
    parameters = []
    for parameter in operation.parameters:
        text = f"{parameter.name}: {parameter.type}"
        if not parameter.required:
            text += f" = {parameter.default!r}"
        parameters.append(text)
    flags = "writes" if operation.writes else "reads"
    if operation.writes:
        flags += f", idempotency: {operation.idempotency}"
    return f"{operation.path}({', '.join(parameters)}) -> {operation.returns}  [{flags}]"


def catalog_summary(catalog: Catalog) -> str:
    """Every connector, its class and import, and one line per operation with its signature."""
    lines = ["# Connector catalog (summary)",
             "Call only these operations. Ask for details with the catalog_details tool."]
    for connector in sorted(catalog.connectors, key=lambda c: c.name):
        lines += ["", f"## {connector.name}: {connector.title}",
                  f"from {connector.module} import {connector.class_name}  "
                  f"(records: {', '.join(sorted(connector.records))})"]
        for resource in connector.resources:
            lines += [f"- {connector.name}.{_signature(op)}" for op in resource.operations]
    return "\n".join(lines) + "\n"


def _record_view(record: RecordSpec) -> dict[str, Any]:
    return {"name": record.name, "doc": record.doc,
            "extra_fields_kept": record.extra_fields_kept,
            "fields": [{"name": f.name, "type": f.type, "required": f.required,
                        **({"description": f.description} if f.description else {})}
                       for f in record.fields]}


def connector_details(connector: ConnectorSpec) -> dict[str, Any]:
    """One connector in full: its quirks, every operation with docs, and its records' fields."""
    return {
        "name": connector.name, "class": connector.class_name, "module": connector.module,
        "doc": connector.doc, "rate_limit": connector.rate_limit,
        "pagination": connector.pagination, "quirks": connector.quirks,
        "operations": [{"path": op.path, "signature": _signature(op), "doc": op.doc,
                        "quirks": op.quirks} for resource in connector.resources
                       for op in resource.operations],
        "records": [_record_view(record) for record in connector.records.values()],
    }


def catalog_details(catalog: Catalog, name: str) -> str:
    """The details of connector `name`, or of one record (`hubspot.DealInput`), as JSON text;
    an unknown name gets the list of known ones."""
    connector_name, _, record_name = name.partition(".")
    connector = catalog.connector(connector_name)
    if connector is None:
        known = ", ".join(sorted(c.name for c in catalog.connectors))
        return json.dumps({"error": f"no connector {connector_name!r}; the connectors are {known}"})
    if not record_name:
        return json.dumps(connector_details(connector), indent=1)
    record = connector.records.get(record_name)
    if record is None:
        known = ", ".join(sorted(connector.records))
        return json.dumps({"error": f"{connector.name} has no record {record_name!r}; "
                                    f"its records are {known}"})
    return json.dumps(_record_view(record), indent=1)
