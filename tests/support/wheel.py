"""flowbot as a user installs it: its wheel, built from this checkout, in a fresh virtualenv
(not editable, runtime dependencies only, at the versions of constraints.txt)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
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


def install_wheel(scratch: Path, *, extras: str = "") -> Path:
    """Build the wheel and install it (with `extras`, e.g. "[redis]") in a new virtualenv
    under `scratch`; that virtualenv's bin/."""
    wheel = build_wheel(scratch)
    venv.create(scratch / "venv", with_pip=True)
    bin_dir = scratch / "venv" / "bin"
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c",
                           str(PROJECT / "constraints.txt"), f"{wheel}{extras}"],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed: {done.stderr[-2000:]}")
    return bin_dir
