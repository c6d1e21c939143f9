"""flowbot as a user installs it: its wheel, built from this checkout, in a fresh virtualenv
(not editable, runtime dependencies only, at the versions of constraints.txt)."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def _not_sources() -> Callable[[str, list[str]], set[str]]:
    """The checkout's .dockerignore as copytree's ignore: what is not a source, `build/` above
    all (setuptools puts what an earlier build left there into the next wheel)."""
    lines = (PROJECT / ".dockerignore").read_text().splitlines()
    names = [line.removeprefix("**/") for line in lines if line and not line.startswith("#")]
    return shutil.ignore_patterns(*names)


def build_wheel(scratch: Path) -> Path:
    """flowbot's wheel, built from a copy of the checkout's sources, in `scratch`/dist."""
    sources = scratch / "sources"
    shutil.copytree(PROJECT, sources, symlinks=True, ignore=_not_sources())
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--wheel-dir", str(scratch / "dist"), str(sources)],
                           capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"pip wheel failed: {built.stderr[-2000:]}")
    [wheel] = (scratch / "dist").glob("flowbot-*.whl")
    return wheel


@dataclass(frozen=True)
class InstalledWheel:
    """flowbot's wheel and the bin/ of a virtualenv it is installed in, without extras."""

    wheel: Path
    bin: Path


def install_wheel(scratch: Path) -> InstalledWheel:
    """Build the wheel and install it, without extras, in a new virtualenv under `scratch`."""
    wheel = build_wheel(scratch)
    venv.create(scratch / "venv", with_pip=True)
    bin_dir = scratch / "venv" / "bin"
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c",
                           str(PROJECT / "constraints.txt"), str(wheel)],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed: {done.stderr[-2000:]}")
    return InstalledWheel(wheel, bin_dir)


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `lock` (between processes; released on close)."""
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def install_once(root: Path) -> InstalledWheel:
    """`install_wheel` without extras under `root`, done by the first process that asks and
    reused by the others (pytest-xdist's workers of one run share `root`): a build and an
    install each for the packaging, thin-repository and Dockerfile tests cost a two-core CI
    run about a minute. The tree is world-readable: the sandbox runs its gate as nobody."""
    scratch = root / "flowbot-wheel"
    with _exclusive(root / "flowbot-wheel.lock"):
        built = sorted((scratch / "dist").glob("flowbot-*.whl"))
        if built and (scratch / "venv" / "bin" / "flowbot").exists():
            return InstalledWheel(built[0], scratch / "venv" / "bin")
        shutil.rmtree(scratch, ignore_errors=True)  # what an earlier, failed try left
        installed = install_wheel(scratch)
        for path in (scratch, *scratch.rglob("*")):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | (0o755 if path.is_dir() else 0o644))
        return installed
