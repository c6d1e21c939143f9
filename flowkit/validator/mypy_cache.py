"""A warm mypy cache of what flows import, so that type-checking a flow in the sandbox checks
the flow and not the whole library every time (about 7 s down to under 1 s).

The cache is built from this installation's own code — never from a checkout, never from a
flow — once per version of that code, Python and mypy, and each sandboxed run gets a copy in its
private /tmp (mypy cannot work from a read-only cache). The cache is built as stage 5 runs mypy
— the gate's configuration (`MYPY_CONFIG`), the library found through `link_library` — so that
it matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import cache
from importlib import metadata
from pathlib import Path

import connectors
import flowkit
from connectors.registry import CONNECTORS, SIMULATORS, TEST_DATABASES

INSTALLATION = Path(flowkit.__file__).resolve().parent.parent
CACHE_VARIABLE = "FLOWBOT_MYPY_CACHE"
"""Where the warm caches live; a folder of the system's temporary directory by default."""
MYPY_CONFIG = """\
[mypy]
python_version = 3.11
strict = True
plugins = pydantic.mypy
"""
"""The gate's mypy configuration: the cache is built with it, and stage 5 checks flows with it
(never with a checkout's own mypy settings)."""
WARM_TIMEOUT_S = 600.0


@cache
def _key() -> str:
    digest = hashlib.sha256(f"{sys.version}|{metadata.version('mypy')}|{MYPY_CONFIG}".encode())
    for package in (flowkit, connectors):
        root = Path(next(iter(package.__path__))).resolve()
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(INSTALLATION)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def library() -> list[Path]:
    """The folders of this installation's `flowkit` and `connectors` packages."""
    return [Path(next(iter(package.__path__))).resolve() for package in (flowkit, connectors)]


def link_library(folder: Path) -> None:
    """Put links to this installation's `flowkit` and `connectors` into `folder`.

    mypy does not follow the import hooks of an editable install, so the library is found
    through these links beside the flow, both when the warm cache is built and in stage 5 —
    the same paths, so the cache matches.
    """
    for package in library():
        (folder / package.name).symlink_to(package, target_is_directory=True)


def _flow_imports() -> list[str]:
    """What a flow and its tests may import: the flow kit and each connector with its
    simulator (their own imports follow)."""
    doubles = {**SIMULATORS, **TEST_DATABASES}
    return ["flowkit", "flowkit.testing", *(module for name in CONNECTORS for module in (
        CONNECTORS[name].split(":")[0], doubles[name].split(":")[0]) if name in doubles)]


def _home() -> Path:
    configured = os.environ.get(CACHE_VARIABLE)
    return Path(configured) if configured else \
        Path(tempfile.gettempdir()) / f"flowbot-mypy-{os.getuid()}"


_building = threading.Lock()
"""One build at a time in a process (a worker's threads may run gates together)."""


def warm_cache() -> Path | None:
    """The warm cache for this installation, built on first use; None when it cannot be built
    (the gate then type-checks from cold, only slower)."""
    home = _home()
    if home.is_symlink() or (home.exists() and home.stat().st_uid != os.getuid()):
        return None  # someone else's folder in a shared temporary directory: not to be trusted
    cache = home / _key()
    if (cache / "complete").is_file():
        return cache
    with _building:
        return cache if (cache / "complete").is_file() else _build(cache)


def _build(cache: Path) -> Path | None:
    home = cache.parent
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o755)  # the sandbox runs as nobody
    building = Path(tempfile.mkdtemp(prefix="building-", dir=home))
    try:
        with tempfile.TemporaryDirectory(prefix="flowbot-mypy-config-") as neutral:
            # from an empty folder, as stage 5 runs mypy: the modules are found the same way
            config = Path(neutral) / "mypy.ini"
            config.write_text(MYPY_CONFIG)
            link_library(Path(neutral))
            completed = subprocess.run(  # noqa: S603 - mypy over this installation's own code
                [sys.executable, "-m", "mypy", f"--config-file={config}",
                 f"--cache-dir={building}",
                 *(argument for module in _flow_imports() for argument in ("-m", module))],
                cwd=neutral, capture_output=True, text=True, timeout=WARM_TIMEOUT_S,
                check=False)
        if completed.returncode not in (0, 1):  # 1: type errors found, the cache is written
            return None
        (building / "complete").touch()
        for path in (building, *building.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        with contextlib.suppress(OSError):  # another process finished first: as good
            building.rename(cache)
        return cache if (cache / "complete").is_file() else None
    except subprocess.TimeoutExpired:
        return None
    finally:
        shutil.rmtree(building, ignore_errors=True)
