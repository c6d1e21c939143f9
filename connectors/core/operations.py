"""Marking the methods of a connector that flows may call, with what the catalog must know.

The catalog is generated from these marks and the methods' signatures, so what the validator and
the model are told is exactly what the code accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

OPERATION_ATTRIBUTE = "__flowbot_operation__"


class Idempotency(StrEnum):
    """Why repeating a call is (or is not) safe."""

    READ = "read"
    """A read: repeating it changes nothing."""
    KEY = "idempotency_key"
    """A write the vendor deduplicates by an idempotency key sent with it."""
    UPSERT = "upsert_by_external_id"
    """A write that creates or updates by an external id: repeating it lands on the same record."""
    NONE = "none"
    """A write that happens again if repeated: the runtime's ledger must guard it."""


@dataclass(frozen=True)
class OperationInfo:
    """What the catalog says of one operation beyond its signature."""

    writes: bool
    idempotency: Idempotency
    quirks: tuple[str, ...] = ()


def operation(*, writes: bool = False, idempotency: Idempotency | None = None,
              quirks: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Mark a resource method as an operation flows may call.

    Reads default to `Idempotency.READ`; a write must say how it is idempotent (or `NONE`), so
    that nobody — person or model — has to guess whether retrying it is safe.
    """
    if writes and idempotency is None:
        raise ValueError("a writing operation must declare its idempotency")
    if not writes and idempotency not in (None, Idempotency.READ):
        raise ValueError("a read is idempotent by nature")
    info = OperationInfo(writes, idempotency or Idempotency.READ, tuple(quirks))

    def mark(function: F) -> F:
        setattr(function, OPERATION_ATTRIBUTE, info)
        return function

    return mark


def operation_info(function: object) -> OperationInfo | None:
    """The mark on `function`, or None if it is not an operation."""
    info = getattr(function, OPERATION_ATTRIBUTE, None)
    return info if isinstance(info, OperationInfo) else None
