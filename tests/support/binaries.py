"""Find the server programs the tests run, or raise MissingBinaryError saying how to get them.

The Debian package names here are the ones `scripts/install-services.sh` installs.
"""

import shutil
from pathlib import Path

from .errors import MissingBinaryError

# Debian and Ubuntu install each PostgreSQL major version's server programs here.
_POSTGRES_VERSIONS_DIR = Path("/usr/lib/postgresql")
_POSTGRES_PROGRAMS = ("initdb", "pg_ctl")


def postgres_bin_dir() -> Path:
    """Return the directory holding `initdb` and `pg_ctl` of the newest installed PostgreSQL.

    Looks in /usr/lib/postgresql/<major>/bin (where Debian puts them, off PATH) first,
    then beside a `pg_ctl` found on PATH (other distributions).
    """
    candidates = sorted(
        (d for d in _POSTGRES_VERSIONS_DIR.glob("*/bin") if d.parent.name.isdigit()),
        key=lambda d: int(d.parent.name),
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if all((directory / program).is_file() for program in _POSTGRES_PROGRAMS):
            return directory
    raise MissingBinaryError(
        f"PostgreSQL's {' and '.join(_POSTGRES_PROGRAMS)}",
        f"in {_POSTGRES_VERSIONS_DIR}/*/bin or on PATH",
        "postgresql",
    )


def redis_server() -> Path:
    """Return the path of `redis-server`."""
    return _on_path("redis-server", "redis-server")


def bwrap() -> Path:
    """Return the path of bubblewrap's `bwrap`."""
    return _on_path("bwrap", "bubblewrap")


def wrk() -> Path:
    """Return the path of `wrk`, the HTTP load generator of benchmarks/webhooks.py."""
    return _on_path("wrk", "wrk")


def _on_path(program: str, apt_package: str) -> Path:
    found = shutil.which(program)
    if found is None:
        raise MissingBinaryError(f"`{program}`", "on PATH", apt_package)
    return Path(found)
