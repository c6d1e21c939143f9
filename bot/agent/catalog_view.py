"""The connector catalog as the model reads it: a summary up front, details on demand.

The summary is part of the stable prompt prefix, so it is rendered deterministically from the
catalog (sorted, no timestamps): the same checkout always gives the same bytes, and prompt caching
holds across a job's calls. Details — an operation's full docs and quirks, a record's fields — are
fetched by the model through a tool when it needs them, which keeps the prefix small. Details
read like a stub file, records first (they are what a mapping needs), and a long connector is
cut between whole records or operations, with the exact call that shows each one left out.
"""

from __future__ import annotations

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


DETAILS_LIMIT = 12_000
"""Characters of one catalog_details answer; what does not fit is named, to ask for next."""


def _record_stub(record: RecordSpec, connector: str) -> str:
    """A record as a class stub: fields with types, `= None` for optional ones, descriptions."""
    first = record.doc.strip().split("\n", 1)[0]
    lines = [f"class {record.name}:  # {connector}.{record.name}" + (f" — {first}" if first
                                                                        else "")]
    for field in record.fields:
        default = "" if field.required else " = None"
        note = f"  # {field.description}" if field.description else ""
        lines.append(f"    {field.name}: {field.type}{default}{note}")
    if record.extra_fields_kept:
        lines.append("    # fields the vendor adds are kept as extras")
    return "\n".join(lines)


def _operation_stub(operation: OperationSpec, connector: str) -> str:
    doc = operation.doc.strip().split("\n\n", 1)[0].replace("\n", " ")
    lines = [f"{connector}.{_signature(operation)}", f"    {doc}"]
    lines += [f"    quirk: {quirk}" for quirk in operation.quirks]
    return "\n".join(lines)


def connector_details(connector: ConnectorSpec) -> list[tuple[str, str]]:
    """One connector in full, as (name to ask for, text) units: its records first, then its
    operations with their docs and quirks."""
    units = [(f"{connector.name}.{name}", _record_stub(record, connector.name))
             for name, record in sorted(connector.records.items())]
    units += [(f"{connector.name}.{op.path}", _operation_stub(op, connector.name))
              for resource in connector.resources for op in resource.operations]
    return units


def _header(connector: ConnectorSpec) -> str:
    lines = [f"# {connector.name}: from {connector.module} import {connector.class_name}",
             connector.doc.strip(), f"rate limit: {connector.rate_limit}",
             f"pagination: {connector.pagination}"]
    lines += [f"quirk: {quirk}" for quirk in connector.quirks]
    return "\n".join(lines)


def catalog_details(catalog: Catalog, name: str, *, limit: int = DETAILS_LIMIT) -> str:
    """The details of connector `name` (records first, then operations), of one record
    (`hubspot.DealInput`) or of one operation (`hubspot.deals.upsert`). Records are always
    shown; operations that do not fit in `limit` are left out whole and named, each with the
    exact call that shows it; an unknown name gets the list of known ones."""
    connector_name, _, rest = name.partition(".")
    connector = catalog.connector(connector_name)
    if connector is None:
        known = ", ".join(sorted(c.name for c in catalog.connectors))
        return f"no connector {connector_name!r}; the connectors are {known}"
    units = connector_details(connector)
    if rest:
        found = dict(units).get(name)
        if found is None:
            known = ", ".join(unit for unit, _ in units)
            return f"{connector.name} has no record or operation {rest!r}; it has {known}"
        return found
    parts, used = [_header(connector)], len(_header(connector))
    left: list[str] = []
    for unit, text in units:
        is_record = unit.partition(".")[2] in connector.records  # records are never cut
        if not is_record and (left or used + len(text) + 2 > limit):
            left.append(unit)
            continue
        parts.append(text)
        used += len(text) + 2
    if left:
        asks = ", ".join(f'catalog_details("{unit}")' for unit in left)
        parts.append(f"[cut to fit: {len(left)} more not shown; ask for each by name: {asks}]")
    return "\n\n".join(parts)
