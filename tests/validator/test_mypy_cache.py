"""The gate's warm mypy cache: built once from this installation's own code, readable by the
sandbox's user, shared by every later gate run (a type error in a flow is still found with it:
see the corpus's type_error_only_mypy_sees case)."""

from __future__ import annotations

import stat

from flowkit.validator.mypy_cache import warm_cache


def test_the_warm_cache_is_built_once_from_the_library_and_readable_by_the_sandbox() -> None:
    first = warm_cache()
    second = warm_cache()

    assert first is not None
    assert first == second
    assert (first / "complete").is_file()
    version = next(path for path in first.iterdir() if path.is_dir())
    assert sum(path.stat().st_size for path in version.iterdir()) > 1_000_000  # the library
    assert all(path.stat().st_mode & stat.S_IROTH for path in first.rglob("*"))
