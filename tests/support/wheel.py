"""flowbot as a user installs it: its wheel, built from this checkout, in a fresh virtualenv
(not editable, runtime dependencies only, at the versions of constraints.txt)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def install_wheel(scratch: Path, *, extras: str = "") -> Path:
    """Build the wheel and install it (with `extras`, e.g. "[redis]") in a new virtualenv
    under `scratch`; that virtualenv's bin/."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--wheel-dir", str(scratch / "dist"), str(PROJECT)],
                           capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise RuntimeError(f"pip wheel failed: {built.stderr[-2000:]}")
    [wheel] = (scratch / "dist").glob("flowbot-*.whl")
    venv.create(scratch / "venv", with_pip=True)
    bin_dir = scratch / "venv" / "bin"
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c",
                           str(PROJECT / "constraints.txt"), f"{wheel}{extras}"],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed: {done.stderr[-2000:]}")
    return bin_dir
