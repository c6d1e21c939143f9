"""Packets as the runtime stores them: identities, JSON with sensitive fields redacted, cursors."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flowkit.context import CursorValue
from flowkit.engine import Packet, to_jsonable

REDACTED = "[redacted]"


def identity(packet: Packet) -> str:
    """The ledger identity of a packet version: its key, and its cursor value when it has one.

    A record that changes later comes back with a newer cursor value: a new version, delivered
    again (an edited order updates its deal). The same version is never delivered twice.
    """
    if packet.cursor is None:
        return packet.key
    cursor = packet.cursor.isoformat() if isinstance(packet.cursor, datetime) else packet.cursor
    return f"{packet.key}@{cursor}"


def redacted(value: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The packet as JSON, with each listed (dotted) field replaced by a marker.

    A top-level field is redacted wherever its name appears in the packet, at any depth:
    records often carry the vendor's raw properties beside their typed fields (a HubSpot
    contact's `properties.email` repeats `email`), and a copy must not leak what the field hides.
    """
    data = to_jsonable(value)
    document: dict[str, Any] = copy.deepcopy(data) if isinstance(data, dict) else {"value": data}
    anywhere = {path for path in fields if "." not in path}
    for path in fields:
        parts = path.split(".")
        holder: Any = document
        for part in parts[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and parts[-1] in holder and holder[parts[-1]] is not None:
            holder[parts[-1]] = REDACTED
    _redact_everywhere(document, anywhere)
    return document


def _redact_everywhere(node: Any, names: set[str]) -> None:
    if isinstance(node, dict):
        for key, item in node.items():
            if key in names and item is not None and not isinstance(item, (dict, list)):
                node[key] = REDACTED
            else:
                _redact_everywhere(item, names)
    elif isinstance(node, list):
        for item in node:
            _redact_everywhere(item, names)


def cursor_json(value: CursorValue) -> dict[str, Any]:
    """A cursor as JSON that keeps its type."""
    if isinstance(value, datetime):
        return {"type": "datetime", "value": value.isoformat()}
    return {"type": "int" if isinstance(value, int) else "str", "value": value}


def cursor_value(stored: dict[str, Any] | None) -> CursorValue | None:
    """A stored cursor back as its type."""
    if not stored:
        return None
    if stored.get("type") == "datetime":
        return datetime.fromisoformat(str(stored["value"]))
    if stored.get("type") == "int":
        return int(stored["value"])
    return str(stored["value"])


def target_reference(written: Any) -> str | None:
    """A short reference to what the sink wrote (its id), for the ledger and the audit."""
    if written is None:
        return None
    for name in ("id", "Id", "ts", "key"):
        value = getattr(written, name, None)
        if value is not None:
            return str(value)[:255]
    return str(written)[:255]
