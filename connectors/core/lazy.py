"""Names a package exports from a heavier module, imported only when first asked for.

A vendor's `simulator` package exports its FastAPI app's names (`HubSpotSimulator`, test tokens),
yet the catalog reads the package's `coverage` module without importing FastAPI.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any


def lazy_exports(package: str, source: str, names: Iterable[str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for `package` that imports `names` from `source` on use."""
    exported = frozenset(names)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's own name
        if name in exported:
            return getattr(importlib.import_module(source), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
